import { invalidInput } from '../core/errors.ts'
import type { EntityKind } from '../events/entities.ts'
import type { FeatureEngine, FeatureValues } from './feature-engine.ts'

/** One entity and another, by value, as a caller names a pair (`POST /v1/features/values` with `pairedType` and `pairedValue`). */
export interface PairQuery {
  entityType: string
  entityValue: string
  pairedType?: string
  pairedValue?: string
}

/**
 * The current values of the features kept per a pair of entities
 * (`pairedWith`), as of `atMs`. The pair may be named either way round; a
 * pair no feature is kept for, or half a pair, is refused naming the field.
 */
export function currentPairValues(features: FeatureEngine, blindIndex: (kind: EntityKind, value: string) => string, query: PairQuery, atMs: number): FeatureValues {
  const { entityType, entityValue, pairedType, pairedValue } = query
  if (pairedType === undefined) throw invalidInput('Half a pair', [{ pointer: '/pairedType', code: 'required', message: 'pairedType and pairedValue go together' }])
  if (pairedValue === undefined) throw invalidInput('Half a pair', [{ pointer: '/pairedValue', code: 'required', message: 'pairedType and pairedValue go together' }])
  const declared = features.definitions.filter((d) => d.pairedWith !== undefined)
  const forward = declared.some((d) => d.entity === entityType && d.pairedWith === pairedType)
  if (!forward && !declared.some((d) => d.entity === pairedType && d.pairedWith === entityType)) {
    const pairs = [...new Set(declared.map((d) => `${d.entity}+${d.pairedWith}`))]
    throw invalidInput('No feature is kept per this pair', [
      { pointer: '/pairedType', code: 'unknown_pair', message: `no feature is kept per ${entityType} and ${pairedType}; pairs kept: ${pairs.length > 0 ? pairs.join(', ') : 'none'}` },
    ])
  }
  const left = blindIndex(entityType as EntityKind, entityValue)
  const right = blindIndex(pairedType as EntityKind, pairedValue)
  return forward ? features.valuesOf(`${entityType as EntityKind}+${pairedType as EntityKind}`, `${left}|${right}`, atMs) : features.valuesOf(`${pairedType as EntityKind}+${entityType as EntityKind}`, `${right}|${left}`, atMs)
}
