import type { Action } from '../core/actions.ts'
import { builtinEventTypes } from '../events/builtin-event-types.ts'
import { type EntityPaths, extractEntities } from '../events/entities.ts'
import { type GroundTruth, type ScenarioName, type SimulatedEvent, scenarioNames, scenarioOf } from './world.ts'

export interface ScenarioRow {
  scenario: ScenarioName
  /** Events the scenario caused, or (for credit default, which has no actor of its own) the events it labels. */
  events: number
  entities: number
  /** Events with ground truth of this scenario, and how many of them the strategy did not simply approve. */
  labelled: number
  caught: number
  catchRate: number | null
}

export interface DecisionPointRow {
  eventType: string
  decisions: number
  actions: Partial<Record<Action, number>>
  approvalRate: number
  /** Events with no ground truth at all that were not approved. */
  falsePositiveRate: number | null
}

export interface ScamVictimProfile {
  victims: number
  drawdowns: number
  aged20to40Share: number
  menPerWoman: number
  lostOverTenThousandShare: number
}

export interface StrategyReport {
  scenarios: ScenarioRow[]
  decisionPoints: DecisionPointRow[]
  scamVictims: ScamVictimProfile | null
}

const entityPaths = new Map<string, EntityPaths>(builtinEventTypes.map((t) => [t.type, t.entities]))

/**
 * Scores the decisions made on simulated traffic against its ground truth.
 * "Caught" means anything but approve: a review, a step-up or a reject all
 * stop the money or the click until someone looks. Ground truth must be
 * added before the event it is about is observed (the simulator does so).
 */
export class StrategyReportBuilder {
  private readonly truths = new Map<string, GroundTruth[]>()
  private readonly scenarios = new Map<ScenarioName, { events: number; entities: Set<string>; labelled: number; caught: number }>()
  private readonly points = new Map<string, { decisions: number; actions: Partial<Record<Action, number>>; benign: number; benignFlagged: number }>()
  private readonly victims = new Map<string, { age: number; sex: string; lostMinor: number; drawdowns: number }>()

  constructor() {
    for (const name of scenarioNames) this.scenarios.set(name, { events: 0, entities: new Set(), labelled: 0, caught: 0 })
  }

  addTruth(truth: GroundTruth): void {
    const list = this.truths.get(truth.eventId)
    if (list) list.push(truth)
    else this.truths.set(truth.eventId, [truth])
  }

  observe(event: SimulatedEvent, action: Action): void {
    const truths = this.truths.get(event.id)
    this.truths.delete(event.id)
    const caught = action !== 'approve'
    const point = this.points.get(event.type) ?? { decisions: 0, actions: {}, benign: 0, benignFlagged: 0 }
    this.points.set(event.type, point)
    point.decisions++
    point.actions[action] = (point.actions[action] ?? 0) + 1
    if (!truths) {
      point.benign++
      if (caught) point.benignFlagged++
    }
    const owners = new Set<ScenarioName>([scenarioOf(event), ...(truths ?? []).map((t) => t.scenario)])
    if (truths?.some((t) => t.scenario === 'credit_default')) owners.delete('genuine')
    const entities = extractEntities(event.data, entityPaths.get(event.type) ?? {}).map((e) => `${e.kind}:${e.value}`)
    for (const owner of owners) {
      const row = this.scenarios.get(owner)!
      row.events++
      for (const entity of entities) row.entities.add(entity)
    }
    for (const truth of truths ?? []) {
      const row = this.scenarios.get(truth.scenario)!
      row.labelled++
      if (caught) row.caught++
      if (truth.scenario === 'scam_victim' && truth.userId && truth.detail) this.addVictim(truth.userId, truth.detail)
    }
  }

  private addVictim(userId: string, detail: Record<string, number | string>): void {
    const victim = this.victims.get(userId) ?? { age: Number(detail.age), sex: String(detail.sex), lostMinor: 0, drawdowns: 0 }
    victim.lostMinor += Number(detail.amountMinor)
    victim.drawdowns++
    this.victims.set(userId, victim)
  }

  build(): StrategyReport {
    const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole)
    const victims = [...this.victims.values()]
    const men = victims.filter((v) => v.sex === 'male').length
    return {
      scenarios: scenarioNames.map((scenario) => {
        const row = this.scenarios.get(scenario)!
        return { scenario, events: row.events, entities: row.entities.size, labelled: row.labelled, caught: row.caught, catchRate: rate(row.caught, row.labelled) }
      }),
      decisionPoints: [...this.points.entries()].map(([eventType, p]) => ({
        eventType,
        decisions: p.decisions,
        actions: p.actions,
        approvalRate: (p.actions.approve ?? 0) / p.decisions,
        falsePositiveRate: rate(p.benignFlagged, p.benign),
      })),
      scamVictims:
        victims.length === 0
          ? null
          : {
              victims: victims.length,
              drawdowns: victims.reduce((n, v) => n + v.drawdowns, 0),
              aged20to40Share: victims.filter((v) => v.age >= 20 && v.age <= 40).length / victims.length,
              menPerWoman: men / Math.max(1, victims.length - men),
              lostOverTenThousandShare: victims.filter((v) => v.lostMinor > 1_000_000).length / victims.length,
            },
    }
  }
}

const percent = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`)

export function formatStrategyReport(report: StrategyReport): string {
  const lines = ['scenario                  events   entities  labelled  caught  catch rate']
  for (const r of report.scenarios) {
    lines.push(`${r.scenario.padEnd(24)}${String(r.events).padStart(8)}${String(r.entities).padStart(11)}${String(r.labelled).padStart(10)}${String(r.caught).padStart(8)}${percent(r.catchRate).padStart(12)}`)
  }
  lines.push('', 'decision point       decisions  approve  step_up   review   reject  approval  false positives')
  for (const p of report.decisionPoints.sort((a, b) => a.eventType.localeCompare(b.eventType))) {
    const n = (action: Action) => String(p.actions[action] ?? 0).padStart(9)
    lines.push(`${p.eventType.padEnd(20)}${String(p.decisions).padStart(10)}${n('approve')}${n('step_up')}${n('review')}${n('reject')}${percent(p.approvalRate).padStart(10)}${percent(p.falsePositiveRate).padStart(17)}`)
  }
  const v = report.scamVictims
  if (v) {
    lines.push(
      '',
      `scam victims: ${v.victims} people, ${v.drawdowns} drawdowns; ${percent(v.aged20to40Share)} aged 20–40; ${v.menPerWoman.toFixed(2)} men per woman; ${percent(v.lostOverTenThousandShare)} lost over 10,000 RMB`,
    )
  }
  return lines.join('\n')
}
