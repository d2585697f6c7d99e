/**
 * Where the logs of one group keep their numbers: blocks of a few fixed
 * sizes carved out of large Float64Arrays, so that a log is a range of one
 * of them instead of a JavaScript array of its own. Reaching a log is then
 * its directory's slot (one integer: which block) and the block itself,
 * where a JavaScript array per log cost the slot, the array object and its
 * elements, three dependent memory misses at every event; and the collector
 * has a few hundred large buffers to leave alone instead of hundreds of
 * thousands of arrays to mark and move.
 *
 * A block of size class `c` has room for a log's header and running state
 * (`start` numbers) and `2 << c` entries of `width` numbers: a log that
 * outgrows its block moves to one of the next class, as an array doubled.
 * Each class is its own pool of chunks holding a power of two of blocks
 * each (128 KB a chunk, or one block where a block is
 * larger), made when needed and never moved, so growth copies no chunk and
 * the room kept beyond the live blocks is at most one chunk per class plus
 * the blocks freed by logs that grew or were dropped (reused first, by
 * logs of the same class).
 *
 * A block's place is one integer, `block << classBits | class`, which the
 * directories keep (with +1, so that 0 is no log). Written here because
 * no library offers a size-class allocator over typed arrays.
 */
export class LogSlab {
  private readonly pools: Pool[] = []

  constructor(
    /** Numbers before the entries: a log's header and running state. */
    readonly start: number,
    /** Numbers of one entry. */
    readonly width: number,
  ) {}

  /** The class whose blocks have room for `entries` entries (at least 2). */
  static classFor(entries: number): number {
    let c = 0
    while (2 << c < entries) c++
    return c
  }

  /** The class of the block at `place`. */
  static classOf(place: number): number {
    return place & classMask
  }

  /** Entries a block of class `c` has room for. */
  static roomOf(c: number): number {
    return 2 << c
  }

  /** A free block of class `c` (its numbers are whatever it held before). */
  allocate(c: number): number {
    const pool = this.poolOf(c)
    const block = pool.free.length > 0 ? pool.free.pop()! : pool.next++
    if (block >>> pool.shift >= pool.chunks.length) pool.chunks.push(new Float64Array(pool.blockSize << pool.shift))
    return (block << classBits) | c
  }

  free(place: number): void {
    this.pools[place & classMask]!.free.push(place >>> classBits)
  }

  /** The array that holds the block at `place`. */
  chunkOf(place: number): Float64Array {
    const pool = this.pools[place & classMask]!
    return pool.chunks[place >>> classBits >>> pool.shift]!
  }

  /** Where in `chunkOf(place)` the block starts. */
  offsetOf(place: number): number {
    const pool = this.pools[place & classMask]!
    return ((place >>> classBits) & pool.mask) * pool.blockSize
  }

  /** Entries the block at `place` has room for. */
  roomAt(place: number): number {
    return 2 << (place & classMask)
  }

  /** Bytes of the chunks made so far. */
  get bytes(): number {
    let bytes = 0
    for (const pool of this.pools) if (pool) for (const chunk of pool.chunks) bytes += chunk.byteLength
    return bytes
  }

  private poolOf(c: number): Pool {
    let pool = this.pools[c]
    if (pool) return pool
    if (c > classMask) throw new Error(`a log of ${LogSlab.roomOf(c)} entries is beyond what a slab holds`)
    const blockSize = this.start + LogSlab.roomOf(c) * this.width
    let shift = 0
    while (blockSize << (shift + 1) <= chunkNumbers) shift++
    pool = { blockSize, shift, mask: (1 << shift) - 1, chunks: [], next: 0, free: [] }
    while (this.pools.length <= c) this.pools.push(undefined as never)
    this.pools[c] = pool
    return pool
  }
}

interface Pool {
  /** Numbers a block takes. */
  blockSize: number
  /** A chunk holds `1 << shift` blocks. */
  shift: number
  mask: number
  chunks: Float64Array[]
  /** Blocks ever handed out; those given back are in `free`. */
  next: number
  free: number[]
}

/** 128 KB of numbers per chunk: little room kept beyond the live blocks in a small group, few chunks in a large one. */
const chunkNumbers = 16_384
/** The low bits of a place are its class: rooms of up to 2 << 31 entries, far beyond any log's capacity. */
const classBits = 5
const classMask = (1 << classBits) - 1
