import { existsSync, readFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { deserialize, serialize } from 'node:v8'
import type { FeatureStateSnapshot } from '../features/feature-engine.ts'
import { replaceFileDurably } from './durable-file.ts'

const format = 'xiezhi-feature-state'
/** 2: a state per tenant (1 held one state fed by every tenant: such a file is not used, the log is replayed). */
const version = 2

/** A feature snapshot as stored: each tenant's state, and the last decision whose event they include. */
export interface SavedFeatureState {
  /** Chain hash of the last decision in the states; events after it in the decision log are replayed on start. */
  lastDecisionHash: string
  takenAtMs: number
  /** Each tenant's state, by tenant id: every tenant that had one when it was taken. */
  tenants: Record<string, FeatureStateSnapshot>
}

export const featureSnapshotFile = (dataDir: string) => join(dataDir, 'feature-state.snapshot')

/** Writes the snapshot so that a crash at any moment leaves either the previous file or the new one, whole (`replaceFileDurably`). */
export function writeFeatureSnapshot(file: string, saved: SavedFeatureState): number {
  const bytes = serialize({ format, version, ...saved })
  return replaceFileDurably(file, (fd) => {
    let written = 0
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written)
    return bytes.length
  })
}

/** The stored snapshot, or why there is none to use (no file, another format, unreadable). */
export function readFeatureSnapshot(file: string): SavedFeatureState | { unusable: string } {
  if (!existsSync(file)) return { unusable: 'no snapshot yet' }
  try {
    const saved = deserialize(readFileSync(file)) as Partial<SavedFeatureState> & { format?: unknown; version?: unknown }
    if (saved.format !== format || saved.version !== version || typeof saved.lastDecisionHash !== 'string' || !saved.tenants || typeof saved.tenants !== 'object') {
      return { unusable: `not a ${format} version ${version} file` }
    }
    return { lastDecisionHash: saved.lastDecisionHash, takenAtMs: Number(saved.takenAtMs), tenants: saved.tenants }
  } catch (error) {
    return { unusable: `unreadable: ${(error as Error).message}` }
  }
}
