/**
 * Everything the bench creates outside itself (temp dirs, child processes) is
 * registered here, so that it is removed whatever way the run ends: normal
 * completion, a thrown error, Ctrl-C, or SIGTERM from a CI runner.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const tempDirs = new Set<string>()
const children = new Set<ChildProcess>()

/** A fresh directory under the OS temp dir (TMPDIR), removed on exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `xiezhi-bench-${prefix}-`))
  tempDirs.add(dir)
  return dir
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
}

export function trackChild(child: ChildProcess): void {
  children.add(child)
  child.once('exit', () => children.delete(child))
}

/**
 * Stops one child: SIGTERM first (the server drains its commit queue and
 * closes SQLite), SIGKILL if it has not gone after `graceMs`.
 */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/** Stops every child still running and removes every temp dir. Safe to call twice. */
export async function cleanUp(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)))
  for (const dir of [...tempDirs]) removeTempDir(dir)
}

/** Last resort for paths that cannot await (process 'exit'): kill hard, remove synchronously. */
function cleanUpNow(): void {
  for (const child of children) child.kill('SIGKILL')
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
}

let installed = false

/** Installs signal and exit handlers once; a signal cleans up and exits with 128 + signal number. */
export function installCleanupHandlers(log: (line: string) => void): void {
  if (installed) return
  installed = true
  process.once('exit', cleanUpNow)
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      log(`\n${signal}: stopping child processes and removing temp dirs`)
      void cleanUp().finally(() => process.exit(code))
    })
  }
}
