import type { RecordStore, StoredDecision } from './record-store.ts'

/**
 * Group commit: decisions that arrive while a commit is under way go together
 * in a later transaction, so one fsync covers many decisions and durability
 * does not cost throughput. Up to `maxInFlight` batches are handed to the
 * store at once, so the writer starts the next transaction without waiting
 * for this thread to pick up the previous acknowledgement; the store commits
 * them in order. A decision is acknowledged only after its transaction commits.
 */
export class GroupCommit {
  private pending: { decision: StoredDecision; done: (error?: Error) => void }[] = []
  private scheduled = false
  private inFlight = 0
  private failure: Error | undefined

  constructor(
    private readonly store: RecordStore,
    private readonly onFatal: (error: Error) => void,
    private readonly options = { maxBatch: 2_000, maxInFlight: 2 },
  ) {}

  get failed(): Error | undefined {
    return this.failure
  }

  append(decision: StoredDecision): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.pending.push({ decision, done: (error) => (error ? reject(error) : resolve()) })
      if (!this.scheduled) {
        this.scheduled = true
        // let the requests already parsed in this turn of the event loop join the batch
        setImmediate(() => {
          this.scheduled = false
          this.dispatch()
        })
      }
    })
  }

  /** Nothing waiting, nothing being written: every decision appended is committed. */
  get idle(): boolean {
    return !this.scheduled && this.inFlight === 0 && this.pending.length === 0
  }

  /** Resolves once everything appended so far is committed (or has failed). */
  async drain(): Promise<void> {
    while (this.scheduled || this.inFlight > 0 || (this.pending.length > 0 && !this.failure)) await new Promise((r) => setImmediate(r))
  }

  private dispatch() {
    while (!this.failure && this.inFlight < this.options.maxInFlight && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch)
      this.inFlight++
      this.store.appendDecisions(batch.map((p) => p.decision)).then(
        () => {
          this.inFlight--
          for (const p of batch) p.done()
          this.dispatch()
        },
        (error: Error) => {
          this.inFlight--
          this.fail(error, batch)
        },
      )
    }
  }

  private fail(error: Error, batch: { done: (error?: Error) => void }[]) {
    for (const p of [...batch, ...this.pending.splice(0)]) p.done(error)
    if (this.failure) return
    // feature state already holds these events: going on would drift from the log
    this.failure = error
    this.onFatal(error)
  }
}
