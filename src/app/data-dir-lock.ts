import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { XiezhiError } from '../core/errors.ts'

/**
 * One deciding process per data directory: two would each extend the hash
 * chain from the same link and keep feature windows the other cannot see.
 * A lock file holds the owner's pid; a lock left by a dead process (kill -9)
 * is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'engine.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' })
      return () => rmSync(file, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number(readFileSync(file, 'utf8'))
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new XiezhiError(
          'invalid_configuration',
          `another Xiezhi process (pid ${owner}) is deciding with ${dataDir}; send events to it with --server, or stop it first`,
        )
      }
      rmSync(file, { force: true })
    }
  }
  throw new XiezhiError('invalid_configuration', `could not lock ${dataDir}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
