import { closeSync, openSync, writeSync } from 'node:fs'

/** The reader of standard output went away (`xiezhi simulate | head`): stop writing, quietly. */
export class ReaderGone extends Error {}

const pause = new Int32Array(new SharedArrayBuffer(4))

/**
 * Writes lines in large chunks with synchronous writes to the file
 * descriptor (1 for standard output). Lines are encoded one by one into a
 * buffer: that keeps plain ASCII lines on V8's fast copy, where joining lines
 * into one string first would encode the whole chunk the slow way as soon as
 * one line held Chinese text. Writing the descriptor directly rather than
 * through `process.stdout` made a pipe a fifth faster, and a synchronous
 * write holds the producer back while a slow reader catches up.
 */
export class LineWriter {
  private readonly buffer: Buffer
  private used = 0
  private readonly fd: number

  /** `path` undefined or '-' means standard output. */
  constructor(path: string | undefined, chunkBytes = 1 << 20) {
    this.fd = path === undefined || path === '-' ? 1 : openSync(path, 'w')
    this.buffer = Buffer.allocUnsafe(chunkBytes)
  }

  write(line: string): void {
    // a UTF-16 code unit takes at most 3 bytes in UTF-8
    if (this.used + line.length * 3 + 1 > this.buffer.length) {
      this.flush()
      if (line.length * 3 + 1 > this.buffer.length) {
        this.writeAll(Buffer.from(`${line}\n`))
        return
      }
    }
    this.used += this.buffer.write(line, this.used)
    this.buffer[this.used++] = 10
  }

  flush(): void {
    this.writeAll(this.buffer.subarray(0, this.used))
    this.used = 0
  }

  close(): void {
    this.flush()
    if (this.fd !== 1) closeSync(this.fd)
  }

  private writeAll(bytes: Buffer): void {
    let written = 0
    while (written < bytes.length) {
      try {
        written += writeSync(this.fd, bytes, written)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'EPIPE') throw new ReaderGone('the reader closed the pipe')
        // a non-blocking pipe that is full: wait a moment for the reader
        if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1)
        else throw error
      }
    }
  }
}
