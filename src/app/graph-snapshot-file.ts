import { closeSync, existsSync, openSync, readSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { GraphSnapshot } from '../graph/graph-service.ts'
import { replaceFileDurably } from './durable-file.ts'

const format = 'xiezhi-graph-state'
/** 3: a graph per tenant (2 held one graph fed by every tenant: such a file is not used, the log is replayed). */
const version = 3
const magic = Buffer.from('XZGRAPH3', 'latin1')

/** A graph snapshot as stored: the default tenant's graph and every other tenant's, and the last decision whose event they include. */
export interface SavedGraphState {
  /** Chain hash of the last decision in the states; events after it in the decision log are added on start. */
  lastDecisionHash: string
  takenAtMs: number
  /** The default tenant's graph. */
  state: GraphSnapshot
  /** Every other tenant's graph that there was when it was taken, by tenant id. */
  tenants?: Record<string, GraphSnapshot>
}

export const graphSnapshotFile = (dataDir: string) => join(dataDir, 'graph-state.snapshot')

/**
 * Every tenant's graph on disk, in one file, compactly. Almost all of it is typed arrays
 * (edges, node columns and keys, components, labels, risk): each is written
 * as its raw bytes, straight from memory, 8-byte aligned, and read back
 * straight into a new array; the few other fields — options, counts, the
 * rings — go in a JSON header. The adjacency is left out: it follows from
 * the edges in the order they were made, and a restore rebuilds it
 * (`LinkGraph.fromColumns`), which costs less than writing and reading a
 * quarter of the file. Hand-written rather than `v8.serialize`, which holds
 * the whole file in one buffer (a gigabyte and a minute at 10 M edges) and
 * cannot pass 2 GiB.
 *
 * Layout: `XZGRAPH3`, the header's length (uint32 LE), 4 bytes of padding,
 * the header (UTF-8 JSON: `sizes` of the sections, `body` with each typed
 * array replaced by `{"$bin": section}`), padding to 8, then the sections,
 * each padded to 8.
 *
 * Writing: `writeGraphSnapshot` here, on the calling thread; the engine
 * hands copies to a worker thread instead (`graph-snapshot-writer.ts`), so
 * decisions go on while the file is written.
 */
export function writeGraphSnapshot(file: string, saved: SavedGraphState): number {
  const sections: Uint8Array[] = []
  const withoutAdjacency = (snapshot: GraphSnapshot) => {
    const { adjacency: _rebuiltOnRestore, ...graph } = snapshot.graph
    return { ...snapshot, graph }
  }
  const state = withoutAdjacency(saved.state)
  const tenants = Object.fromEntries(Object.entries(saved.tenants ?? {}).map(([tenantId, snapshot]) => [tenantId, withoutAdjacency(snapshot)]))
  const body = JSON.stringify({ format, version, lastDecisionHash: saved.lastDecisionHash, takenAtMs: saved.takenAtMs, state, tenants }, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value)) {
      sections.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
      return { $bin: sections.length - 1, type: value.constructor.name }
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) }
    return value
  })
  const header = Buffer.from(`{"sizes":${JSON.stringify(sections.map((s) => s.byteLength))},"body":${body}}`, 'utf8')
  const prefix = Buffer.alloc(16)
  magic.copy(prefix)
  prefix.writeUInt32LE(header.length, 8)
  return replaceFileDurably(file, (fd) => {
    let at = 0
    const put = (bytes: Uint8Array) => {
      // writeSync takes at most 2 GiB at a time
      for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done, Math.min(bytes.byteLength - done, 1 << 30), at + done)
      at += bytes.byteLength
    }
    const pad = () => {
      if (at % 8 !== 0) put(zeros.subarray(0, 8 - (at % 8)))
    }
    put(prefix)
    put(header)
    pad()
    for (const section of sections) {
      put(section)
      pad()
    }
    return at
  })
}

const zeros = new Uint8Array(8)

/** The stored snapshot, or why there is none to use (no file, another format, unreadable or cut short). */
export function readGraphSnapshot(file: string): SavedGraphState | { unusable: string } {
  if (!existsSync(file)) return { unusable: 'no snapshot yet' }
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const prefix = Buffer.alloc(16)
    if (readSync(fd, prefix, 0, 16, 0) !== 16 || !prefix.subarray(0, 8).equals(magic)) return { unusable: `not a ${format} version ${version} file` }
    const header = Buffer.alloc(prefix.readUInt32LE(8))
    if (readSync(fd, header, 0, header.length, 16) !== header.length) return { unusable: 'unreadable: cut short' }
    const parsed = JSON.parse(header.toString('utf8'), (_key, value: unknown) => (isSpecialNumber(value) ? Number(value.$num) : value)) as { sizes: number[]; body: unknown }
    const offsets: number[] = []
    let at = align(16 + header.length)
    for (const size of parsed.sizes) {
      offsets.push(at)
      at = align(at + size)
    }
    const readFd = fd
    const revive = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(revive)
      if (value === null || typeof value !== 'object') return value
      const record = value as Record<string, unknown>
      if (typeof record.$bin === 'number') return readSection(readFd, String(record.type), offsets[record.$bin]!, parsed.sizes[record.$bin]!)
      const revived: Record<string, unknown> = {}
      for (const key in record) revived[key] = revive(record[key])
      return revived
    }
    const saved = revive(parsed.body) as Partial<SavedGraphState> & { format?: unknown; version?: unknown }
    if (saved.format !== format || saved.version !== version || typeof saved.lastDecisionHash !== 'string' || !saved.state) return { unusable: `not a ${format} version ${version} file` }
    return { lastDecisionHash: saved.lastDecisionHash, takenAtMs: Number(saved.takenAtMs), state: saved.state, tenants: saved.tenants ?? {} }
  } catch (error) {
    return { unusable: `unreadable: ${(error as Error).message}` }
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

const align = (n: number) => (n + 7) & ~7

const isSpecialNumber = (value: unknown): value is { $num: string } => value !== null && typeof value === 'object' && typeof (value as { $num?: unknown }).$num === 'string'

const arrayTypes: Record<string, new (length: number) => ArrayBufferView> = {
  Int32Array,
  Uint32Array,
  Float64Array,
  Uint8Array,
  Uint16Array,
}

/** A section read straight into a new typed array of its type. */
function readSection(fd: number, type: string, offset: number, byteLength: number): ArrayBufferView {
  const Type = arrayTypes[type]
  if (!Type) throw new Error(`unknown array type ${type}`)
  const width = (Type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT
  const array = new Type(byteLength / width)
  const bytes = new Uint8Array(array.buffer)
  for (let done = 0; done < byteLength; ) {
    const read = readSync(fd, bytes, done, Math.min(byteLength - done, 1 << 30), offset + done)
    if (read === 0) throw new Error('cut short')
    done += read
  }
  return array
}

