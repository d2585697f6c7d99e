import { EventQueue } from './event-queue.ts'
import { Random } from './random.ts'
import type { WorldConfig } from './world-config.ts'

const scenarioTag = Symbol('scenario')

/**
 * An event as the simulator writes it: the envelope `POST /v1/events` takes.
 * The scenario that caused it rides along under a symbol key, which
 * JSON.stringify and the engine never see; read it with `scenarioOf`.
 */
export interface SimulatedEvent {
  id: string
  type: string
  occurredAt: string
  data: Record<string, unknown>
  [scenarioTag]?: ScenarioName
}

export const scenarioOf = (event: SimulatedEvent): ScenarioName => event[scenarioTag] ?? 'genuine'

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
  /** Facts for the report, such as a scam victim's age, sex and loss. */
  detail?: Record<string, number | string>
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
  private readonly queue = new EventQueue<ScenarioName>()
  /** The scenario of the happening running now; what it schedules and emits belongs to it too. */
  private scenario: ScenarioName = 'genuine'
  readonly startMs: number
  readonly endMs: number
  private output: SimulatedEvent[] = []
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
    if (atMs < this.endMs) this.queue.push(Math.max(atMs, this.now), happening, this.scenario)
  }

  /** Runs `start` (which schedules a scenario's first happenings) on behalf of `scenario`. */
  as(scenario: ScenarioName, start: () => void): void {
    const previous = this.scenario
    this.scenario = scenario
    try {
      start()
    } finally {
      this.scenario = previous
    }
  }

  /** A fresh number for ids of one kind (customers, applications, loans…). */
  next(kind: string): number {
    const n = (this.counters.get(kind) ?? 0) + 1
    this.counters.set(kind, n)
    return n
  }

  emit(type: string, data: Record<string, unknown>): string {
    const id = `${this.options.idPrefix}${++this.eventCount}`
    this.output.push({ id, type, occurredAt: this.timestamp(this.now), data, [scenarioTag]: this.scenario })
    return id
  }

  private isoDay = Number.NaN
  private isoDate = ''

  /**
   * `new Date(ms).toISOString()`, cheaper: the date part is formatted once a
   * day. It was 7 % of the time to write an event, the largest single cost
   * after serialising it.
   */
  private timestamp(atMs: number): string {
    const ms = Math.floor(atMs)
    const day = Math.floor(ms / 86_400_000)
    if (day !== this.isoDay) {
      this.isoDay = day
      this.isoDate = new Date(day * 86_400_000).toISOString().slice(0, 11)
    }
    const inDay = ms - day * 86_400_000
    const hour = Math.floor(inDay / 3_600_000)
    const minute = Math.floor(inDay / 60_000) % 60
    const second = Math.floor(inDay / 1_000) % 60
    const milli = inDay % 1_000
    return `${this.isoDate}${hour < 10 ? '0' : ''}${hour}:${minute < 10 ? '0' : ''}${minute}:${second < 10 ? '0' : ''}${second}.${milli < 100 ? (milli < 10 ? '00' : '0') : ''}${milli}Z`
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
    while (this.output.length === 0) {
      const next = this.queue.pop()
      if (next === undefined) break
      this.now = next.at
      this.scenario = next.tag
      next.run()
    }
    const ready = this.output
    this.output = []
    return ready
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
