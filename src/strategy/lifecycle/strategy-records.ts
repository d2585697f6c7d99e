/**
 * The strategy lifecycle's records (策略生命周期): each version of a strategy
 * with its state, and the chain of deployments (`deployment.ts`). Stored
 * through the records port (`decisions/record-store.ts`). A version's
 * document changes only while it is a draft; after that only its state moves,
 * forward, once per step: a submission ends approved, rejected (by an
 * approver, with a comment) or withdrawn (by its author); the last two are
 * final, the author writes a new draft. Deployments are appended, never changed.
 */

/**
 * What is stored. `live` and `retired` are not stored: they follow from the
 * deployment chain (`strategy-states.ts`).
 */
export const storedStates = ['draft', 'submitted', 'approved', 'rejected', 'withdrawn'] as const
export type StoredState = (typeof storedStates)[number]

/** The actor of versions recorded from the config folder at start, and of their approval. */
export const configActor = 'config'

/** Strategy ids appear in URLs: lower-case letters, digits, dots and dashes (as `compileStrategy` checks). */
export const strategyIdPattern = '^[a-z][a-z0-9.-]{1,79}$'

export interface StrategyVersionRecord {
  /** The tenant the strategy belongs to: its versions decide that tenant's events only, and only it sees or changes them. */
  tenantId: string
  /** The strategy's id, unique within the tenant. */
  id: string
  version: number
  state: StoredState
  /** sha256 of `document`: what a backtest names to say it replayed this very document. */
  hash: string
  /** The document as compiled (canonical JSON: keys sorted). */
  document: string
  /** Everyone who saved the document, first the author: none of them may approve it. */
  authors: string[]
  createdAtMs: number
  /** The last save of the draft (its creation, if never replaced). */
  updatedAtMs: number
  submittedBy: string | null
  submittedAtMs: number | null
  submitNote: string
  /** The finished backtest of this document the submission cites, if any. */
  backtestId: string | null
  approvedBy: string | null
  approvedAtMs: number | null
  approveNote: string
  rejectedBy: string | null
  rejectedAtMs: number | null
  /** Why it was rejected: required of the approver. */
  rejectNote: string
  withdrawnBy: string | null
  withdrawnAtMs: number | null
  withdrawNote: string
}

/** A draft's new document (`replaceStrategyDraft`). */
export interface DraftChange {
  hash: string
  document: string
  authors: string[]
  updatedAtMs: number
}

export interface Submission {
  submittedBy: string
  atMs: number
  note: string
  backtestId: string | null
}

export interface Approval {
  approvedBy: string
  atMs: number
  note: string
}

/** How a submission ends short of approval: rejected by an approver, or withdrawn by its author. */
export interface SubmissionEnd {
  outcome: 'rejected' | 'withdrawn'
  by: string
  atMs: number
  note: string
}
