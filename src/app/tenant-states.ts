import type { FeatureEngine, ListLookup } from '../features/feature-engine.ts'
import type { GraphService } from '../graph/graph-service.ts'

/** The tenant of a one-institution deployment, of the config files, and of callers that name none. */
export const defaultTenant = 'default'

/** One tenant's (institution's) state: its feature windows and its relationship graph, fed by its events only. */
export interface TenantState {
  readonly tenantId: string
  readonly features: FeatureEngine
  readonly graph: GraphService
}

/**
 * The feature state and the graph of every tenant, kept apart: an entity
 * key is the same blind index whichever tenant presents it, so one shared
 * state would count tenant A's customers in tenant B's features and rings.
 * A tenant's state is made on first use (`of`) with the same definitions
 * and options as every other's, so a one-tenant deployment holds one state,
 * as before. Sharing across institutions is a separate, explicit feature,
 * never this.
 */
export class TenantStates {
  private readonly states = new Map<string, TenantState>()
  /** Told of each state made after the start (the engine wires the tenant's ring cases to it). */
  onCreated: ((state: TenantState) => void) | undefined

  constructor(private readonly create: (tenantId: string) => TenantState) {}

  /** The tenant's state, made empty on its first use. */
  of(tenantId: string): TenantState {
    let state = this.states.get(tenantId)
    if (!state) {
      state = this.create(tenantId)
      this.states.set(tenantId, state)
      this.onCreated?.(state)
    }
    return state
  }

  /** The tenant's state if it has one. */
  find(tenantId: string): TenantState | undefined {
    return this.states.get(tenantId)
  }

  /**
   * The tenant's state to read (values, explore, rings): its own, or before
   * its first event an empty one, made once and shared by every such
   * tenant, never fed. A read makes no state, so it costs nothing and puts
   * nothing in the snapshots.
   */
  read(tenantId: string): TenantState {
    const own = this.states.get(tenantId)
    if (own) return own
    this.empty ??= this.create('')
    return this.empty
  }

  private empty: TenantState | undefined

  /** A state rebuilt on start (restored from a snapshot, or replayed from the log). */
  put(state: TenantState): void {
    this.states.set(state.tenantId, state)
  }

  /** Every tenant with a state, in the order they were made. */
  all(): TenantState[] {
    return [...this.states.values()]
  }

  get size(): number {
    return this.states.size
  }
}

/**
 * The lists a tenant's features read: its own. `ListMembership.has` takes
 * the tenant as a fourth argument (the default tenant's without it).
 */
export function listsOfTenant(lists: { has(listName: string, key: string, atMs: number, tenantId?: string): boolean }, tenantId: string): ListLookup {
  return { has: (listName, key, atMs) => lists.has(listName, key, atMs, tenantId) }
}
