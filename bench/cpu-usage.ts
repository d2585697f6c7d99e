/**
 * Who used the CPUs during a run, from /proc (Linux; elsewhere the figures
 * are absent). Two reasons to measure it:
 *
 * - the server's own CPU time gives decisions per server CPU-second, a figure
 *   that does not depend on how many cores the load generator took;
 * - on a shared machine (CI runners, a dev box where tests run) other
 *   processes steal cores, and a result taken under that load must say so.
 */
import { readFileSync } from 'node:fs'

/** Linux reports /proc times in USER_HZ, 100 per second on every mainstream architecture. */
const ticksPerSecond = 100

interface Snapshot {
  atMs: number
  /** Busy ticks of the whole machine (user, nice, system, irq, softirq, steal). */
  machineBusy: number
  /** utime + stime of each watched process. */
  processes: Map<number, number>
}

export interface CpuUsage {
  /** Average cores used by each watched process, by pid. */
  cores: Map<number, number>
  /** Average cores used by everything else on the machine (other processes, the kernel, the hypervisor's steal). */
  otherCores: number
}

export class CpuMeter {
  private start: Snapshot | undefined

  constructor(private readonly pids: number[]) {
    this.start = snapshot(pids)
  }

  /** Usage since construction, or undefined where /proc is not available. */
  read(): CpuUsage | undefined {
    const end = snapshot(this.pids)
    if (!this.start || !end) return undefined
    const seconds = (end.atMs - this.start.atMs) / 1000
    const cores = new Map<number, number>()
    let watched = 0
    for (const pid of this.pids) {
      const used = (end.processes.get(pid) ?? 0) - (this.start.processes.get(pid) ?? 0)
      watched += used
      cores.set(pid, used / ticksPerSecond / seconds)
    }
    const otherTicks = end.machineBusy - this.start.machineBusy - watched
    return { cores, otherCores: Math.max(0, otherTicks / ticksPerSecond / seconds) }
  }
}

function snapshot(pids: number[]): Snapshot | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields
    const processes = new Map<number, number>()
    for (const pid of pids) processes.set(pid, processTicks(pid))
    return { atMs: performance.now(), machineBusy: user + nice + system + irq + softirq + steal, processes }
  } catch {
    return undefined
  }
}

/** utime + stime from /proc/<pid>/stat; the command name (field 2) may hold spaces, so split after its ')'. */
function processTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // after[0] is field 3 (state); utime and stime are fields 14 and 15
  return Number(after[11]) + Number(after[12])
}

/**
 * CPU milliseconds of the main thread alone (10 ms steps), from
 * /proc/self/task/<pid>/stat; NaN where /proc is not available. Unlike
 * `process.cpuUsage`, which counts every thread of the process, it leaves
 * out what worker threads ran meanwhile: what a decision on the main
 * thread waited for.
 */
export function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(after[11]) + Number(after[12])) * 1000) / ticksPerSecond
  } catch {
    return Number.NaN
  }
}
