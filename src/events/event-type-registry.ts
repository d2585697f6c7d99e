import { hash } from 'node:crypto'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import stringify from 'safe-stable-stringify'
import { type FieldIssue, XiezhiError, invalidInput } from '../core/errors.ts'
import { type BuiltinEventType, builtinEventTypes } from './builtin-event-types.ts'
import { type EntityPaths, extractEntities, isEntityKind } from './entities.ts'
import type { AcceptedEvent } from './event.ts'

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void

/** Clocks drift; an event may claim to be this far in the future and still be accepted. */
export const maxClockSkewMs = 5 * 60_000

export interface EventTypeDefinition {
  type: string
  description: string
  schema: object
  entities: EntityPaths
  builtin: boolean
  /** The stage every event of the type sits at, when the type declares one (built-ins do, but complaints and labels). */
  stage?: BuiltinEventType['stage']
}

interface CompiledType extends EventTypeDefinition {
  validate: ValidateFunction
}

/** A tenant's own event type, registered at runtime (persisted by the caller). */
export interface CustomEventType {
  tenantId: string
  type: string
  description: string
  schema: object
  entities: EntityPaths
}

/**
 * Knows every event type (built-in and tenant-registered), validates events
 * against them and lists *every* offending field, not just the first.
 */
export class EventTypeRegistry {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true })
  private readonly builtin = new Map<string, CompiledType>()
  private readonly custom = new Map<string, Map<string, CompiledType>>()

  constructor(private readonly nowMs: () => number) {
    addFormats(this.ajv)
    for (const t of builtinEventTypes) this.builtin.set(t.type, this.compile(t, true))
  }

  list(tenantId: string): EventTypeDefinition[] {
    const own = [...(this.custom.get(tenantId)?.values() ?? [])]
    return [...this.builtin.values(), ...own].map(({ validate: _, ...definition }) => definition)
  }

  find(tenantId: string, type: string): EventTypeDefinition | undefined {
    return this.lookup(tenantId, type)
  }

  /** Checks a tenant's event type definition; throws `invalid_input` naming every problem. */
  register(definition: CustomEventType): EventTypeDefinition {
    const issues: FieldIssue[] = []
    if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(definition.type)) {
      issues.push({ pointer: '/type', code: 'invalid_format', message: 'type must be dotted lower-case words, e.g. "merchant.payout"' })
    } else if (this.builtin.has(definition.type)) {
      issues.push({ pointer: '/type', code: 'reserved', message: `"${definition.type}" is a built-in event type` })
    }
    for (const [kind, pointer] of Object.entries(definition.entities ?? {})) {
      if (!isEntityKind(kind)) issues.push({ pointer: `/entities/${kind}`, code: 'unknown_entity_kind', message: `"${kind}" is not an entity kind` })
      if (typeof pointer !== 'string' || !pointer.startsWith('/'))
        issues.push({ pointer: `/entities/${kind}`, code: 'invalid_pointer', message: 'must be a JSON pointer into data, starting with "/"' })
    }
    let compiled: CompiledType | undefined
    if (issues.length === 0) {
      try {
        compiled = this.compile({ ...definition }, false)
      } catch (error) {
        issues.push({ pointer: '/schema', code: 'invalid_schema', message: `not a valid JSON Schema: ${(error as Error).message}` })
      }
    }
    if (issues.length > 0 || !compiled) throw invalidInput('The event type definition is invalid', issues)
    const own = this.custom.get(definition.tenantId) ?? new Map<string, CompiledType>()
    this.custom.set(definition.tenantId, own)
    own.set(definition.type, compiled)
    const { validate: _, ...result } = compiled
    return result
  }

  /** Validates a posted body; returns the accepted event or throws with every issue found. */
  accept(tenantId: string, body: unknown): AcceptedEvent {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalidInput('The event must be a JSON object', [{ pointer: '', code: 'invalid_type', message: 'must be an object' }])
    }
    const input = body as Record<string, unknown>
    const issues = envelopeIssues(input, this.nowMs())
    const type = typeof input.type === 'string' ? this.lookup(tenantId, input.type) : undefined
    if (typeof input.type === 'string' && !type) {
      throw new XiezhiError('unknown_event_type', `Unknown event type "${input.type}"`, [
        { pointer: '/type', code: 'unknown_event_type', message: `"${input.type.slice(0, 100)}" is not a registered event type` },
      ])
    }
    if (type && input.data !== null && typeof input.data === 'object' && !Array.isArray(input.data)) {
      if (!type.validate(input.data)) issues.push(...(type.validate.errors ?? []).filter(isOutermost).map(toIssue))
    }
    if (issues.length > 0) throw invalidInput('The event is invalid', issues)
    const data = input.data as Record<string, unknown>
    return {
      tenantId,
      id: input.id as string,
      type: input.type as string,
      occurredAt: input.occurredAt as string,
      occurredAtMs: Date.parse(input.occurredAt as string),
      data,
      bodyHash: hashBody(body),
      entities: extractEntities(data, type!.entities),
    }
  }

  private lookup(tenantId: string, type: string): CompiledType | undefined {
    return this.builtin.get(type) ?? this.custom.get(tenantId)?.get(type)
  }

  private compile(t: BuiltinEventType | Omit<CustomEventType, 'tenantId'>, builtin: boolean): CompiledType {
    return {
      type: t.type,
      description: t.description,
      schema: t.schema,
      entities: t.entities,
      builtin,
      ...('stage' in t && t.stage !== undefined ? { stage: t.stage } : {}),
      validate: this.ajv.compile(t.schema),
    }
  }
}

/**
 * Key-order-insensitive: `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same body.
 * One-shot `hash` rather than `createHash`: it skips a hash object per call.
 */
export const hashBody = (body: unknown): string => hash('sha256', stringify(body) ?? '', 'base64url')

const envelopeKeys = new Set(['id', 'type', 'occurredAt', 'data'])
const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/

/** RFC 3339 with a date that exists: `Date.parse` alone would roll 30 February over into March. */
function isRealTimestamp(text: string): boolean {
  const m = rfc3339.exec(text)
  if (!m) return false
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  const offsetOk = m[8] === 'Z' || (Number(m[9]) <= 23 && Number(m[10]) <= 59)
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk
}

function envelopeIssues(input: Record<string, unknown>, nowMs: number): FieldIssue[] {
  const issues: FieldIssue[] = []
  const required = (key: string) => issues.push({ pointer: `/${key}`, code: 'required', message: `${key} is required` })
  if (input.id === undefined) required('id')
  else if (typeof input.id !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(input.id))
    issues.push({ pointer: '/id', code: 'invalid_format', message: 'id must be 1–128 characters of letters, digits and . _ : -' })
  if (input.type === undefined) required('type')
  else if (typeof input.type !== 'string') issues.push({ pointer: '/type', code: 'invalid_type', message: 'type must be a string' })
  if (input.occurredAt === undefined) required('occurredAt')
  else if (typeof input.occurredAt !== 'string' || !isRealTimestamp(input.occurredAt))
    issues.push({ pointer: '/occurredAt', code: 'invalid_format', message: 'occurredAt must be an RFC 3339 timestamp with a time zone' })
  else if (Date.parse(input.occurredAt) > nowMs + maxClockSkewMs)
    issues.push({ pointer: '/occurredAt', code: 'in_future', message: `occurredAt is more than ${maxClockSkewMs / 60_000} minutes in the future` })
  if (input.data === undefined) required('data')
  else if (input.data === null || typeof input.data !== 'object' || Array.isArray(input.data))
    issues.push({ pointer: '/data', code: 'invalid_type', message: 'data must be an object' })
  for (const key of Object.keys(input)) {
    if (!envelopeKeys.has(key)) issues.push({ pointer: `/${escapePointer(key)}`, code: 'unknown_field', message: `unknown field "${key.slice(0, 64)}"` })
  }
  return issues
}

/** Errors inside an `anyOf` branch repeat what the `anyOf` error itself says; keep only that one. */
const isOutermost = (error: ErrorObject) => !error.schemaPath.includes('/anyOf/')

function toIssue(error: ErrorObject): FieldIssue {
  const base = `/data${error.instancePath}`
  switch (error.keyword) {
    case 'required': {
      const field = (error.params as { missingProperty: string }).missingProperty
      return { pointer: `${base}/${escapePointer(field)}`, code: 'required', message: `${field} is required` }
    }
    case 'additionalProperties': {
      const field = (error.params as { additionalProperty: string }).additionalProperty
      return { pointer: `${base}/${escapePointer(field)}`, code: 'unknown_field', message: `unknown field "${field.slice(0, 64)}"` }
    }
    case 'type':
      return { pointer: base, code: 'invalid_type', message: `must be ${(error.params as { type: string }).type}` }
    case 'enum':
    case 'const':
    case 'anyOf':
      return { pointer: base, code: 'invalid_value', message: error.message ?? 'is not an allowed value' }
    default:
      return { pointer: base, code: `invalid_${error.keyword}`, message: error.message ?? 'is invalid' }
  }
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1')
