import { closeSync, fsyncSync, openSync, renameSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Replaces `file` so that a crash at any moment leaves either the previous
 * file or the new one, whole: `write` fills a temporary file, which is
 * flushed to disk and renamed over the old one, and the directory is
 * flushed too. Returns what `write` returns (the bytes written).
 */
export function replaceFileDurably(file: string, write: (fd: number) => number): number {
  const temporary = `${file}.tmp`
  const fd = openSync(temporary, 'w', 0o600)
  let bytes: number
  try {
    bytes = write(fd)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temporary, file)
  const directory = openSync(dirname(file), 'r')
  try {
    fsyncSync(directory)
  } finally {
    closeSync(directory)
  }
  return bytes
}
