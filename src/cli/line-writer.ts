import { closeSync, openSync, writeSync } from 'node:fs'

/**
 * Writes lines in large chunks, synchronously. Lines are encoded one by one
 * into a buffer: that keeps plain ASCII lines on V8's fast copy, where
 * joining lines into one string first would encode the whole chunk the slow
 * way as soon as one line held Chinese text (a fifth of the simulator's
 * time). A synchronous write holds the producer back while a slow reader
 * (a pipe into `xiezhi replay`) catches up; standard output is synchronous
 * for files and pipes on Linux and macOS, so the same holds there.
 */
export class LineWriter {
  private buffer: Buffer
  private used = 0
  private readonly fd: number

  /** `path` undefined or '-' means standard output. */
  constructor(
    path: string | undefined,
    private readonly chunkBytes = 1 << 20,
  ) {
    this.fd = path === undefined || path === '-' ? -1 : openSync(path, 'w')
    this.buffer = Buffer.allocUnsafe(chunkBytes)
  }

  write(line: string): void {
    // a UTF-16 code unit takes at most 3 bytes in UTF-8
    const room = line.length * 3 + 1
    if (this.used + room > this.buffer.length) {
      this.flush()
      if (room > this.buffer.length) this.buffer = Buffer.allocUnsafe(room)
    }
    this.used += this.buffer.write(line, this.used)
    this.buffer[this.used++] = 10
  }

  flush(): void {
    if (this.used === 0) return
    const bytes = this.buffer.subarray(0, this.used)
    if (this.fd === -1) {
      process.stdout.write(bytes)
      // stdout may keep a reference to what it was given; never overwrite it
      this.buffer = Buffer.allocUnsafe(this.chunkBytes)
    } else writeSync(this.fd, bytes)
    this.used = 0
  }

  close(): void {
    this.flush()
    if (this.fd !== -1) closeSync(this.fd)
  }
}
