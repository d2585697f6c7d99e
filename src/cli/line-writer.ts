import { once } from 'node:events'
import type { Writable } from 'node:stream'

/**
 * Buffers lines into large chunks before writing them: one write per line
 * costs more than making the line. Waits for the stream to drain when it
 * asks to, so that a slow reader (a pipe into `xiezhi replay`) holds the
 * writer back instead of filling memory.
 */
export class LineWriter {
  private chunk = ''

  constructor(
    private readonly stream: Writable,
    private readonly chunkSize = 1 << 16,
  ) {}

  /** Returns a promise only when the caller must wait for the stream to drain. */
  write(line: string): Promise<void> | undefined {
    this.chunk += `${line}\n`
    if (this.chunk.length < this.chunkSize) return undefined
    return this.flush()
  }

  flush(): Promise<void> | undefined {
    if (this.chunk === '') return undefined
    const ok = this.stream.write(this.chunk)
    this.chunk = ''
    return ok ? undefined : once(this.stream, 'drain').then(() => {})
  }

  async end(): Promise<void> {
    await this.flush()
    if (this.stream === process.stdout) return
    this.stream.end()
    await once(this.stream, 'finish')
  }
}
