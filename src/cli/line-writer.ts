import { closeSync, openSync, writeSync } from 'node:fs'

/**
 * Writes lines in large chunks, synchronously: one write per line costs
 * more than making the line, and a synchronous write holds the producer
 * back while a slow reader (a pipe into `xiezhi replay`) catches up,
 * without promises or buffering in memory. Standard output is synchronous
 * for files and pipes on Linux and macOS, so the same holds there.
 */
export class LineWriter {
  private chunk = ''
  private readonly fd: number

  /** `path` undefined or '-' means standard output. */
  constructor(
    path: string | undefined,
    private readonly chunkSize = 1 << 16,
  ) {
    this.fd = path === undefined || path === '-' ? -1 : openSync(path, 'w')
  }

  write(line: string): void {
    this.chunk += `${line}\n`
    if (this.chunk.length >= this.chunkSize) this.flush()
  }

  flush(): void {
    if (this.chunk === '') return
    if (this.fd === -1) process.stdout.write(this.chunk)
    else writeSync(this.fd, this.chunk)
    this.chunk = ''
  }

  close(): void {
    this.flush()
    if (this.fd !== -1) closeSync(this.fd)
  }
}
