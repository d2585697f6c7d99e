import type { FeatureDefinition } from '../features/feature-definition.ts'

/**
 * The part of the catalogue a strategy needs, in declaration order: the
 * features it reads, and every feature an expression among them is computed
 * from (transitively). A backtest computes these only; each window feature's
 * value depends on its own definition alone, so the values are those the
 * whole catalogue would give.
 *
 * An expression's inputs are found by name: any earlier feature whose name
 * appears in it as a word (`features.a`, `features["a"]`). That may take a
 * feature too many, never one too few.
 */
export function featuresForStrategy(definitions: readonly FeatureDefinition[], read: ReadonlySet<string>): FeatureDefinition[] {
  const needed = new Set(read)
  for (let i = definitions.length - 1; i >= 0; i--) {
    const definition = definitions[i]!
    if (!needed.has(definition.name) || definition.expression === undefined) continue
    const words = new Set(definition.expression.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])
    for (let j = 0; j < i; j++) if (words.has(definitions[j]!.name)) needed.add(definitions[j]!.name)
  }
  return definitions.filter((definition) => needed.has(definition.name))
}
