import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const cliEntry = new URL('../../src/cli/main.ts', import.meta.url).pathname

/** Runs `xiezhi <args>` as a child process over a data directory; never throws on a non-zero exit. */
export function cliRunner(dataDir: string) {
  return async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', cliEntry, ...args], {
        env: { ...process.env, XIEZHI_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
        maxBuffer: 64 << 20,
      })
      return { code: 0, stdout, stderr }
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }
}
