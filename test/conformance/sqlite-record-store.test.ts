import { join } from 'node:path'
import { after } from 'node:test'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { tempDataDir } from '../support/temp-engine.ts'
import { recordStoreSpec } from './record-store.spec.ts'

const dirs: ReturnType<typeof tempDataDir>[] = []
after(() => {
  for (const d of dirs) d.remove()
})

for (const writer of ['thread', 'worker'] as const) {
  recordStoreSpec(`sqlite, appending on a ${writer}`, () => {
    const dir = tempDataDir()
    dirs.push(dir)
    return SqliteRecordStore.open(join(dir.dir, 'records.sqlite'), { writer })
  })
}
