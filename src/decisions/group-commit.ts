import type { RecordStore, StoredDecision } from './record-store.ts'

/**
 * Group commit: decisions that arrive while a commit is under way wait and go
 * together in the next transaction, so one fsync covers many decisions and
 * durability does not cost throughput. A decision is acknowledged only after
 * its transaction commits.
 */
export class GroupCommit {
  private pending: { decision: StoredDecision; done: (error?: Error) => void }[] = []
  private flushing = false
  private failure: Error | undefined

  constructor(
    private readonly store: RecordStore,
    private readonly onFatal: (error: Error) => void,
    private readonly maxBatch = 2_000,
  ) {}

  get failed(): Error | undefined {
    return this.failure
  }

  append(decision: StoredDecision): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.pending.push({ decision, done: (error) => (error ? reject(error) : resolve()) })
      if (!this.flushing) {
        this.flushing = true
        // let the requests already parsed in this turn of the event loop join the batch
        setImmediate(() => void this.flush())
      }
    })
  }

  /** Resolves once everything appended so far is committed. */
  async drain(): Promise<void> {
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setImmediate(r))
  }

  private async flush() {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch)
      try {
        await this.store.appendDecisions(batch.map((p) => p.decision))
      } catch (error) {
        // feature state already holds these events: going on would drift from the log
        this.failure = error as Error
        for (const p of [...batch, ...this.pending.splice(0)]) p.done(this.failure)
        this.flushing = false
        this.onFatal(this.failure)
        return
      }
      for (const p of batch) p.done()
      if (this.pending.length > 0) await new Promise((r) => setImmediate(r))
    }
    this.flushing = false
  }
}
