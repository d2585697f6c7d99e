import type { StrategyDeployment } from './deployment.ts'
import type { StrategyVersionRecord } from './strategy-records.ts'

/** Where a strategy's deployments stand: what runs now, and the deployments rollbacks would return to. */
export interface ChainState {
  /** The latest deployment: what runs. */
  current: StrategyDeployment
  /** The deployments a rollback would return to, the next one last. */
  earlier: StrategyDeployment[]
}

/**
 * A strategy's deployments, in the order they were made, read as a stack
 * (as model aliases are): `config` and `publish` push, `rollback` pops back
 * to the deployment before. So d1 → d2 → d3, rollback, rollback gives d1's
 * arms again, and a deployment after a rollback starts from where it stands.
 * Undefined when the strategy was never deployed.
 */
export function chainState(deployments: readonly StrategyDeployment[]): ChainState | undefined {
  const stack: StrategyDeployment[] = []
  let current: StrategyDeployment | undefined
  for (const deployment of deployments) {
    if (deployment.kind === 'rollback') stack.pop()
    else stack.push(deployment)
    current = deployment
  }
  return current && { current, earlier: stack.slice(0, -1) }
}

/** The versions a deployment names: champion, challengers, shadows. */
export const versionsOf = (d: Pick<StrategyDeployment, 'champion' | 'challengers' | 'shadows'>): number[] => [d.champion, ...d.challengers.map((c) => c.version), ...d.shadows]

/** Whether two deployments run the same versions in the same roles with the same shares. */
export const sameArms = (a: Pick<StrategyDeployment, 'champion' | 'challengers' | 'shadows'>, b: Pick<StrategyDeployment, 'champion' | 'challengers' | 'shadows'>) =>
  a.champion === b.champion &&
  JSON.stringify([...a.challengers].sort((x, y) => x.version - y.version)) === JSON.stringify([...b.challengers].sort((x, y) => x.version - y.version)) &&
  JSON.stringify([...a.shadows].sort((x, y) => x - y)) === JSON.stringify([...b.shadows].sort((x, y) => x - y))

/**
 * A version's state as people see it: the stored `draft`, `submitted`,
 * `approved`, `rejected` or `withdrawn`, and for approved ones, from the deployment chain, `live` (the
 * current deployment names it) or `retired` (an earlier one did, the current
 * one does not).
 */
export type VersionState = 'draft' | 'submitted' | 'approved' | 'rejected' | 'withdrawn' | 'live' | 'retired'
export type LiveRole = 'champion' | 'challenger' | 'shadow'

export function versionState(version: StrategyVersionRecord, deployments: readonly StrategyDeployment[]): { state: VersionState; role: LiveRole | null } {
  if (version.state !== 'approved') return { state: version.state, role: null }
  const current = deployments[deployments.length - 1]
  const role = current ? roleIn(current, version.version) : null
  if (role) return { state: 'live', role }
  return { state: deployments.some((d) => versionsOf(d).includes(version.version)) ? 'retired' : 'approved', role: null }
}

export function roleIn(d: StrategyDeployment, version: number): LiveRole | null {
  if (d.champion === version) return 'champion'
  if (d.challengers.some((c) => c.version === version)) return 'challenger'
  return d.shadows.includes(version) ? 'shadow' : null
}
