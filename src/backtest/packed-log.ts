import type { Action } from '../core/actions.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { LoggedRow } from '../store/sqlite/sqlite-logged-events.ts'
import { type ReplayedEvent, unopened } from './log-replay.ts'
import type { ReadEntities } from './read-entities.ts'
import { atDecisionPoint, type LogPlan } from './replay-plan.ts'

/**
 * A page of the replay (`replayLog`'s) as the log reader thread sends it:
 * columns of plain values, the entity keys and the opened events still JSON.
 * Copying flat strings to another thread costs a fraction of copying the
 * objects they parse into, and the parsing then falls to the replaying
 * thread, which would otherwise wait for the reader: the two threads share
 * the work more evenly.
 */
export interface PackedPage {
  kind: 'packed'
  rows: number
  firstSeq: number
  lastSeq: number
  seq: Float64Array
  occurredAtMs: Float64Array
  decide: Uint8Array
  eventId: string[]
  type: string[]
  action: string[]
  strategyId: (string | null)[]
  strategyVersion: (number | null)[]
  /** The entity keys as stored (JSON). */
  keys: string[]
  /** The opened sealed event (JSON), where `replayLog` opens it; null elsewhere. */
  body: (string | null)[]
}

const noKeys: Readonly<Record<string, readonly string[]>> = Object.freeze({})

/**
 * One page of rows of the replay query (`replayQuery`), kept and opened
 * exactly as `replayLog` keeps and opens them, packed. The keys are parsed
 * only when the entities read are sorted out (`ReadEntities`), and a sealed
 * event only to check a product.
 */
export function packPage(rows: readonly LoggedRow[], vault: PersonalDataVault, plan: LogPlan, tenantId: string, read: ReadEntities): PackedPage {
  const kept: number[] = []
  const bodies: (string | null)[] = []
  const decided: boolean[] = []
  for (let i = 0; i < rows.length; i++) {
    const [, rowTenant, , type, , occurredAtMs, , , sealed, keys] = rows[i]!
    // the tenant's events only, as its own feature state took them online
    if (rowTenant !== tenantId) continue
    let decide = type === plan.eventType && occurredAtMs >= plan.fromMs
    const feeds = read.feedsRead(type, read.readsEveryEntity ? noKeys : (JSON.parse(keys) as Record<string, string[]>))
    if (!decide && !feeds) continue
    let body: string | null = null
    if (decide || plan.readsData.has(type)) {
      body = vault.open(sealed!)
      if (decide && (plan.product !== undefined || plan.stage !== undefined) && !atDecisionPoint(plan, type, (JSON.parse(body) as { data: Record<string, unknown> }).data)) {
        decide = false
        if (!feeds) continue
      }
    }
    kept.push(i)
    bodies.push(body)
    decided.push(decide)
  }
  const n = kept.length
  const page: PackedPage = {
    kind: 'packed',
    rows: rows.length,
    firstSeq: rows[0]![0],
    lastSeq: rows[rows.length - 1]![0],
    seq: new Float64Array(n),
    occurredAtMs: new Float64Array(n),
    decide: new Uint8Array(n),
    eventId: new Array(n),
    type: new Array(n),
    action: new Array(n),
    strategyId: new Array(n),
    strategyVersion: new Array(n),
    keys: new Array(n),
    body: bodies,
  }
  for (let j = 0; j < n; j++) {
    const [seq, , eventId, type, action, occurredAtMs, strategyId, strategyVersion, , keys] = rows[kept[j]!]!
    page.seq[j] = seq
    page.occurredAtMs[j] = occurredAtMs
    page.decide[j] = decided[j] ? 1 : 0
    page.eventId[j] = eventId
    page.type[j] = type
    page.action[j] = action
    page.strategyId[j] = strategyId
    page.strategyVersion[j] = strategyVersion
    page.keys[j] = keys
  }
  return page
}

/** The page's events as `replayLog` gives them. */
export function unpackPage(page: PackedPage): { rows: number; firstSeq: number; lastSeq: number; events: ReplayedEvent[] } {
  const n = page.seq.length
  const events = new Array<ReplayedEvent>(n)
  for (let j = 0; j < n; j++) {
    let data = unopened
    let occurredAt = ''
    const body = page.body[j]
    if (body !== null && body !== undefined) {
      const event = JSON.parse(body) as { occurredAt: string; data: Record<string, unknown> }
      data = event.data
      occurredAt = event.occurredAt
    }
    events[j] = {
      eventId: page.eventId[j]!,
      seq: page.seq[j]!,
      observed: { type: page.type[j]!, occurredAtMs: page.occurredAtMs[j]!, data, keys: JSON.parse(page.keys[j]!) as ReplayedEvent['observed']['keys'] },
      decide: page.decide[j] === 1,
      occurredAt,
      live: { action: page.action[j] as Action, strategyId: page.strategyId[j]!, strategyVersion: page.strategyVersion[j]! },
    }
  }
  return { rows: page.rows, firstSeq: page.firstSeq, lastSeq: page.lastSeq, events }
}
