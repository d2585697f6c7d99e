/**
 * `npm run -s bench -- ring-ids [--rings 50000] [--users 8] [--nodes 7200000] [--hours 9]`:
 * what giving the rings their lasting ids (`continueRings`) costs the
 * graph's thread at the hour that applies them, against one pass over
 * `ringOf` (what the rings list already spends per request) as a yardstick
 * that scales with the machine's load. A synthetic hour: every third ring
 * has one user replaced, every fiftieth splits off two users, the rest stay;
 * the rings' users spread over `--nodes` nodes. CPU time of this thread
 * (`process.cpuUsage`; the machine may be shared), median of the hours.
 */
import { parseArgs } from 'node:util'
import { continueRings, newRingHistory } from '../src/graph/ring-continuity.ts'
import { emptyRingIndex, type Ring, type RingIndex } from '../src/graph/rings.ts'
import { median, round } from './stats.ts'

const { values: flags } = parseArgs({
  options: {
    rings: { type: 'string', default: '50000' },
    users: { type: 'string', default: '8' },
    nodes: { type: 'string', default: '7200000' },
    hours: { type: 'string', default: '9' },
  },
  strict: true,
})
const ringCount = Number(flags.rings)
const size = Number(flags.users)
const nodeCount = Number(flags.nodes)
const hourMs = 3_600_000
if (ringCount * (size + 9) > nodeCount) throw new Error('--nodes must be at least --rings × (--users + 9)')

/** The rings as the computation hands them over: each group a ring of those users, ids not yet given. */
function partition(atMs: number, groups: number[][]): RingIndex {
  const ringOf = new Int32Array(nodeCount).fill(-1)
  const ringUserStart = new Int32Array(groups.length + 1)
  const ringUsers = new Int32Array(groups.reduce((n, g) => n + g.length, 0))
  let at = 0
  const rings: Ring[] = groups.map((group, position) => {
    for (const user of group) {
      ringOf[user] = position
      ringUsers[at++] = user
    }
    ringUserStart[position + 1] = at
    return { id: position + 1, nodes: group.length, users: group.length, riskUsers: 0, riskNodes: 0, newUsers: 0, growth: 0, firstSeenMs: 0, lastJoinedMs: 0, risk: 0, cohesion: 0, ...newRingHistory(atMs, group.length) }
  })
  return { ...emptyRingIndex(), computedAtMs: atMs, ringOf, rings, ringUserStart, ringUsers }
}

// users spread over the nodes (a stride coprime with the node count's usual sizes), sorted within a ring as the computation gives them
const spread = (n: number) => (n * 7919) % nodeCount
const groupsAt = (hour: number): number[][] => {
  const groups: number[][] = []
  for (let r = 0; r < ringCount; r++) {
    const users = Array.from({ length: size }, (_, k) => spread(r * size + k))
    // newcomers: numbers past the rings' own users, one block per hour of the last eight and one for the splits
    if (r % 3 === hour % 3) users[0] = spread(ringCount * (size + (hour % 8)) + r)
    if (r % 50 === hour % 50 && size >= 5) groups.push(users.splice(0, 2).concat(spread(ringCount * (size + 8) + r)))
    groups.push(users.sort((a, b) => a - b))
  }
  return groups
}

const cpuMs = (f: () => void) => {
  const before = process.cpuUsage()
  f()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000
}

let previous = continueRings(emptyRingIndex(), partition(0, groupsAt(0)))
const matching: number[] = []
const pass: number[] = []
for (let hour = 1; hour <= Number(flags.hours); hour++) {
  const next = partition(hour * hourMs, groupsAt(hour))
  matching.push(cpuMs(() => (previous = continueRings(previous, next))))
  let inRings = 0
  pass.push(
    cpuMs(() => {
      for (let node = 0; node < next.ringOf.length; node++) if (next.ringOf[node]! >= 0) inRings++
    }),
  )
  if (inRings !== next.ringUsers.length) throw new Error('the rings do not hold their users')
}
const kept = previous.rings.filter((ring) => ring.sinceMs === 0).length
console.log(
  `Lasting ring ids: ${ringCount.toLocaleString()} rings of ${size} users over ${nodeCount.toLocaleString()} nodes; continueRings ${round(median(matching), 1)} CPU-ms (median of ${matching.length} hours; min ${round(Math.min(...matching), 1)}), one pass over ringOf ${round(median(pass), 1)} CPU-ms; ${kept.toLocaleString()} rings kept their first id, next id ${previous.nextId.toLocaleString()}`,
)
