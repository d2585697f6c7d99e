/**
 * What runs live for one strategy: the champion version, challenger versions
 * each taking a share of the traffic (by a stable hash of the applicant), and
 * shadow versions that decide every event without effect, to be compared.
 * Deployments form a chain per strategy (each names the one before it), so a
 * rollback goes back exactly one step.
 */
export interface StrategyDeployment {
  id: string
  /** The tenant of the strategy: the deployment decides that tenant's events only. */
  tenantId: string
  strategyId: string
  champion: number
  /** Shares are percentages of the strategy's traffic (two decimals at most); the champion takes the rest. */
  challengers: { version: number; share: number }[]
  shadows: number[]
  /** `config`: a file in the config folder at start; `publish`: an approval or a change of arms; `rollback`: back one step. */
  kind: 'config' | 'publish' | 'rollback'
  previousId: string | null
  movedBy: string
  movedAtMs: number
  note: string
}

/**
 * Who serves deployments (the decision path). `check` compiles every version
 * a deployment names and throws, with pointers, when one cannot be served
 * (nothing moves then); `deployed` puts a recorded deployment in service
 * before the next decision.
 */
export interface DeploymentWatcher {
  check(deployment: StrategyDeployment, documents: ReadonlyMap<number, string>): Promise<void>
  deployed(deployment: StrategyDeployment, documents: ReadonlyMap<number, string>): Promise<void>
}
