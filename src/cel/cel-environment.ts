import { Environment } from '@marcbachmann/cel-js'

/**
 * The CEL dialect every condition in Xiezhi is written in. One place sets the
 * options so that strategies, the conformance suite and `explain` agree.
 */
export const celOptions = {
  unlistedVariablesAreDyn: false,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 2_000, maxDepth: 64, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 32 },
} as const

export function createCelEnvironment(): Environment {
  return new Environment(celOptions)
}
