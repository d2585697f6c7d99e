import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import type { StoredDecision } from '../../decisions/record-store.ts'

/** Writes batches of decisions, each in one durable transaction. */
export interface DecisionAppender {
  append(batch: StoredDecision[]): Promise<void>
  close(): Promise<void>
}

/** The same durability settings for every connection that writes. */
export function openWritableDatabase(file: string): Database.Database {
  const sqlite = new Database(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('busy_timeout = 5000')
  return sqlite
}

/** Prepared statements for the append path: it runs for every decision, so no query builder here. */
export function prepareAppend(sqlite: Database.Database): (batch: StoredDecision[]) => void {
  const insertDecision = sqlite.prepare(
    `insert into decisions (decision_id, tenant_id, event_id, event_type, action, occurred_at, decided_at,
       strategy_id, strategy_version, body_hash, sealed_event, entity_keys, trace, response, previous_hash, hash)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const insertEntity = sqlite.prepare('insert or ignore into decision_entities (tenant_id, entity_key, seq) values (?, ?, ?)')
  return sqlite.transaction((batch: StoredDecision[]) => {
    for (const d of batch) {
      const { lastInsertRowid } = insertDecision.run(
        d.decisionId, d.tenantId, d.eventId, d.eventType, d.action, d.occurredAtMs, d.decidedAtMs,
        d.strategyId, d.strategyVersion, d.bodyHash, d.sealedEvent, JSON.stringify(d.entityKeys),
        d.trace, d.response, d.previousHash, d.hash,
      )
      for (const keys of Object.values(d.entityKeys)) for (const key of keys) insertEntity.run(d.tenantId, key, lastInsertRowid)
    }
  })
}

/** Appends on the calling thread: the event loop waits for each fsync. */
export function inThreadAppender(sqlite: Database.Database): DecisionAppender {
  const append = prepareAppend(sqlite)
  return { append: async (batch) => append(batch), close: async () => {} }
}

/** How often the writer thread checkpoints the WAL (`workerAppender`): a few hundred pages at a time under load. */
export const checkpointEveryMs = 250

/**
 * Appends on a worker thread with its own connection, so the fsync and the
 * inserts run on the second core while the main thread decides the next
 * batch. A batch is acknowledged only when the worker reports its commit.
 * The worker also checkpoints the WAL, every `checkpointEveryMs`: the main
 * thread's connection should then not (`wal_autocheckpoint = 0`).
 */
export function workerAppender(file: string): DecisionAppender {
  const worker = new Worker(new URL('./sqlite-append-worker.mjs', import.meta.url), { workerData: { file } })
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>()
  let nextId = 0
  let failure: Error | undefined
  const failAll = (error: Error) => {
    failure = error
    for (const w of waiting.values()) w.reject(error)
    waiting.clear()
  }
  worker.on('message', (reply: { id: number; error?: string }) => {
    const w = waiting.get(reply.id)
    waiting.delete(reply.id)
    if (reply.error) w?.reject(new Error(reply.error))
    else w?.resolve()
  })
  worker.on('error', failAll)
  worker.on('exit', (code) => failAll(new Error(`the decision writer stopped (exit code ${code})`)))
  // after the listeners: adding a 'message' listener refs the worker again
  worker.unref()
  return {
    append(batch) {
      if (failure) return Promise.reject(failure)
      const id = nextId++
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject })
        worker.ref()
        worker.postMessage({ id, batch })
      }).finally(() => {
        if (waiting.size === 0) worker.unref()
      })
    },
    async close() {
      worker.removeAllListeners('exit')
      await worker.terminate()
    },
  }
}
