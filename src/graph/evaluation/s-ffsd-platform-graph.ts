import type { EntityKind } from '../../events/entities.ts'
import type { GraphEvent } from '../graph-event.ts'
import { graphFeatureNames } from '../graph-measures.ts'
import { GraphService } from '../graph-service.ts'
import type { FeatureColumns } from './feature-columns.ts'
import type { SffsdData } from './s-ffsd-data.ts'

/**
 * How S-FFSD's columns map onto the platform's entity kinds, as a tenant
 * would map them: the card (Source) is the user, the merchant (Target) its
 * terminal, Location an address, Type an equipment kind. Only the address
 * has a "distinct users sharing it" measure (`usersPerAddress`).
 */
export const sffsdEntityKinds = { target: 'terminal', location: 'address', type: 'equipment' } as const satisfies Record<string, EntityKind>

/** One S-FFSD time unit (one transaction) as event time: a minute, so the 77,881 transactions span 54 days and the measures' 30-day window holds a little over half of them. */
export const sffsdMsPerTimeUnit = 60_000

/** How long after its transaction a fraud label is known: a day (1,440 time units). */
export const sffsdLabelDelay = 1_440

/**
 * The graph measures a live decision reads (`GraphService.observe`,
 * `graph-measures.ts`) for every S-FFSD transaction, added as columns
 * under their own names (`graphUsers2h30d`, `riskUsers2h30d`,
 * `propagatedRisk`, …).
 *
 * Every transaction goes through `observe` in time order, as the decision
 * path calls it: its measures are read from the graph as it stood before
 * it. The fraud label of a row in `labelFrom` (the training rows) is fed as
 * a `label` event (keys: the transaction's) at `knownAt[i]`, after any
 * transaction of the same time — never a test row's label, and never before
 * it would be known, so no row reads its own label nor any later one.
 * Legitimate labels are not fed: the graph only marks risk labels.
 * Rings are not recomputed (`rings.everyMs` 0), so the ring measures stay 0.
 */
export function platformGraphFeatures(data: SffsdData, labelFrom: Uint8Array, knownAt: Float64Array, into: FeatureColumns): FeatureColumns {
  const n = data.rows
  const columns = graphFeatureNames.map((name) => into.add(name))
  const keysOf = (i: number): GraphEvent['keys'] => ({
    user: [`S${data.source[i]}`],
    [sffsdEntityKinds.target]: [`T${data.target[i]}`],
    [sffsdEntityKinds.location]: [`L${data.location[i]}`],
    [sffsdEntityKinds.type]: [`TP${data.type[i]}`],
  })
  // label events in the order they become known
  const labelled = Array.from({ length: n }, (_, i) => i).filter((i) => labelFrom[i] === 1 && data.label[i] === 1)
  labelled.sort((a, b) => knownAt[a]! - knownAt[b]! || a - b)
  const service = new GraphService({ rings: { everyMs: 0 } }, { ringsOffThread: false })
  let next = 0
  for (let i = 0; i < n; i++) {
    const t = data.time[i]!
    // labels known strictly before this transaction
    for (; next < labelled.length && knownAt[labelled[next]!]! < t; next++) {
      const j = labelled[next]!
      service.add({ type: 'label', occurredAtMs: knownAt[j]! * sffsdMsPerTimeUnit, data: { label: 'fraud' }, keys: keysOf(j) })
    }
    const values = service.observe({ type: 'transaction', occurredAtMs: t * sffsdMsPerTimeUnit, data: { amount: data.amount[i] }, keys: keysOf(i) })
    graphFeatureNames.forEach((name, k) => {
      columns[k]![i] = values[name]
    })
  }
  return into
}
