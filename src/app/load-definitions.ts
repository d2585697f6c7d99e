import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { XiezhiError } from '../core/errors.ts'
import type { EventTypeRegistry } from '../events/event-type-registry.ts'
import { declareFeatures } from '../features/declare-features.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import { type StrategyCatalogue, compileStrategy } from '../strategy/compile-strategy.ts'
import type { Strategy } from '../strategy/strategy.ts'
import { decisionPointKey } from '../strategy/decision-point.ts'
import type { ModelSlots } from '../models/serving/model-serving.ts'

/** Reads `features.yaml` and `strategies/*.yaml|json` from the config folder; errors name the file. */
export function loadDefinitions(configDir: string, registry: EventTypeRegistry, tenantId: string, models?: ModelSlots) {
  const features = loadFeatures(configDir, registry, tenantId)
  return { features, strategies: loadStrategies(configDir, features, registry, tenantId, models) }
}

/** Reads the feature catalogue, `features.yaml`. */
export function loadFeatures(configDir: string, registry: EventTypeRegistry, tenantId: string): FeatureDefinition[] {
  const knownTypes = new Set(registry.list(tenantId).map((t) => t.type))
  const featuresFile = join(configDir, 'features.yaml')
  return inFile(featuresFile, () =>
    declareFeatures((readDocument(featuresFile) as { features?: unknown })?.features, knownTypes, (type) => registry.find(tenantId, type)?.schema),
  )
}

/** Reads and compiles `strategies/*.yaml|json`, one per decision point (`decisionPointKey`); `models` serves the registry models they name. */
export function loadStrategies(configDir: string, features: FeatureDefinition[], registry: EventTypeRegistry, tenantId: string, models?: ModelSlots): Map<string, Strategy> {
  const strategies = new Map<string, Strategy>()
  const dir = join(configDir, 'strategies')
  for (const name of readdirSync(dir).filter((n) => /\.(ya?ml|json)$/.test(n)).sort()) {
    const file = join(dir, name)
    const strategy = inFile(file, () => compileStrategy(readDocument(file), strategyCatalogue(features, registry, tenantId, models)))
    const point = decisionPointKey(strategy.document.eventType, strategy.document.product, strategy.document.stage)
    const clash = strategies.get(point)
    if (clash) throw new XiezhiError('invalid_configuration', `${file}: strategy "${strategy.id}" and "${clash.id}" both decide ${point}`)
    strategies.set(point, strategy)
  }
  return strategies
}

/** What strategies are checked against: the feature catalogue (the graph features it declares included), the tenant's event types and, where served, registry models. */
export function strategyCatalogue(features: FeatureDefinition[], registry: EventTypeRegistry, tenantId: string, models?: ModelSlots): StrategyCatalogue {
  return { features, eventType: (type) => registry.find(tenantId, type), ...(models ? { models } : {}) }
}

export function readDocument(file: string): unknown {
  const text = readFileSync(file, 'utf8')
  return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
}

/** Puts the file name in front of any validation error raised while reading it. */
function inFile<T>(file: string, read: () => T): T {
  try {
    return read()
  } catch (error) {
    if (error instanceof XiezhiError) {
      const details = error.issues.map((i) => `\n  ${i.pointer || '/'}: ${i.message} (${i.code})`).join('')
      throw new XiezhiError('invalid_configuration', `${file}: ${error.message}${details}`, error.issues)
    }
    throw new XiezhiError('invalid_configuration', `${file}: ${(error as Error).message}`)
  }
}

export type { FeatureDefinition }
