import { EventQueue } from './event-queue.ts'
import { Random } from './random.ts'
import type { WorldConfig } from './world-config.ts'

/** An event as the simulator writes it: the envelope `POST /v1/events` takes. */
export interface SimulatedEvent {
  id: string
  type: string
  occurredAt: string
  data: Record<string, unknown>
}

/** The scenarios; each leaves its own signals (see docs/simulation.md). */
export const scenarioNames = [
  'genuine',
  'credit_default',
  'fraud_ring',
  'intermediary',
  'account_takeover',
  'scam_victim',
  'debt_avoidance_agent',
  'fake_marketing_traffic',
] as const
export type ScenarioName = (typeof scenarioNames)[number]

/** The label kinds of the `label` event type that the simulator gives out. */
export type LabelKind = 'fraud' | 'default' | 'intermediary' | 'complaint_agent' | 'scam_victim' | 'fake_traffic'

/**
 * Ground truth about one event, written apart from the events. `knownAtMs`
 * is when the lender would learn it (fraud confirmed days later, default at
 * 30 days past due); null when it would never surface, such as the default
 * of an applicant who never drew the money.
 */
export interface GroundTruth {
  eventId: string
  eventType: string
  occurredAtMs: number
  scenario: ScenarioName
  label: LabelKind
  knownAtMs: number | null
  userId?: string
  daysPastDue?: number
  /** Who the bad actor is: the ring, intermediary or agent behind the event. */
  actorId?: string
}

export interface WorldOptions {
  seed: number
  startMs: number
  endMs: number
  customers: number
  /** Prefix of every event id, so that two simulations never share ids. */
  idPrefix: string
  /** Also write delayed `label` events into the stream, at the time each truth becomes known. */
  labelEvents: boolean
  config: WorldConfig
}

/**
 * The simulated world's clock, schedule and outputs. Scenarios schedule
 * happenings; a happening runs at its time, emits events stamped with that
 * time and may schedule more. Events therefore come out in time order.
 */
export class World {
  now: number
  readonly queue = new EventQueue()
  readonly startMs: number
  readonly endMs: number
  private readonly output: SimulatedEvent[] = []
  private eventCount = 0
  private readonly counters = new Map<string, number>()

  constructor(
    readonly options: WorldOptions,
    private readonly onTruth: (truth: GroundTruth) => void,
  ) {
    this.startMs = options.startMs
    this.endMs = options.endMs
    this.now = options.startMs
  }

  get config(): WorldConfig {
    return this.options.config
  }

  /** Length of the simulated period in months of 30 days, for rates stated per month. */
  get months(): number {
    return (this.endMs - this.startMs) / (30 * 86_400_000)
  }

  random(stream: string): Random {
    return new Random(this.options.seed, stream)
  }

  /** Runs `happening` at `atMs`; anything due after the end of the period never runs. */
  at(atMs: number, happening: () => void): void {
    if (atMs < this.endMs) this.queue.push(Math.max(atMs, this.now), happening)
  }

  /** A fresh number for ids of one kind (customers, applications, loans…). */
  next(kind: string): number {
    const n = (this.counters.get(kind) ?? 0) + 1
    this.counters.set(kind, n)
    return n
  }

  emit(type: string, data: Record<string, unknown>): string {
    const id = `${this.options.idPrefix}${++this.eventCount}`
    this.output.push({ id, type, occurredAt: new Date(this.now).toISOString(), data })
    return id
  }

  truth(truth: Omit<GroundTruth, 'occurredAtMs'>): void {
    const full = { ...truth, occurredAtMs: this.now }
    this.onTruth(full)
    if (!this.options.labelEvents || full.knownAtMs === null) return
    this.at(full.knownAtMs, () => {
      this.emit('label', {
        subjectEventId: full.eventId,
        label: full.label,
        ...(full.userId ? { userId: full.userId } : {}),
        ...(full.daysPastDue !== undefined ? { daysPastDue: full.daysPastDue } : {}),
        source: labelSources[full.label],
      })
    })
  }

  /** Runs happenings until some events are ready; an empty result means the period is over. */
  step(): SimulatedEvent[] {
    this.output.length = 0
    while (this.output.length === 0) {
      const next = this.queue.pop()
      if (next === undefined) break
      this.now = next.at
      next.run()
    }
    return this.output
  }
}

/** Who tells the lender, per label. */
const labelSources: Record<LabelKind, string> = {
  fraud: 'investigation',
  default: 'collections',
  intermediary: 'investigation',
  complaint_agent: 'complaints_desk',
  scam_victim: 'review_desk',
  fake_traffic: 'ad_reconciliation',
}
