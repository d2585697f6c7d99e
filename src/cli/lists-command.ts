import { readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { Command, InvalidArgumentError, Option } from 'commander'
import { readConfig } from '../app/config.ts'
import { lockDataDir } from '../app/data-dir-lock.ts'
import { defaultTenant, openRecords } from '../app/open-engine.ts'
import { parseDayOrInstant } from '../core/day-or-instant.ts'
import { entityKinds } from '../events/entities.ts'
import { type ListKind, listKinds } from '../lists/list.ts'
import { ListMembership } from '../lists/list-membership.ts'
import { ListService, type NewEntry } from '../lists/list-service.ts'
import { entryView, listView } from '../lists/list-view.ts'
import { callServer } from './server-call.ts'

type ListJson = ReturnType<typeof listView>
type EntryJson = ReturnType<typeof entryView>

/** What the commands ask for, answered in this process (from the data directory) or by a running server: the same JSON either way. */
interface ListsBackend {
  create(input: { name: string; kind: ListKind; entityKind: (typeof entityKinds)[number]; description?: string }): Promise<ListJson>
  all(): Promise<{ items: ListJson[] }>
  one(name: string): Promise<ListJson>
  add(name: string, entries: NewEntry[]): Promise<{ items: EntryJson[] }>
  remove(name: string, entryId: string): Promise<EntryJson>
  entries(name: string, query: { value?: string; atMs?: number; limit: number; cursor?: string }): Promise<{ asOf: string; onList?: boolean; items: EntryJson[]; nextCursor?: string }>
  close(): Promise<void>
}

const instant = (value: string) => {
  const ms = parseDayOrInstant(value)
  if (ms === undefined) throw new InvalidArgumentError('give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant')
  return ms
}

const whole = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 1_000) throw new InvalidArgumentError('must be a whole number from 1 to 1000')
  return n
}

const serverOption = () => new Option('--server <url>', 'ask a running server (its key: XIEZHI_API_KEY or the bootstrap key)')
const byOption = () => new Option('--by <author>', 'who makes the change, as recorded (in this process; a server records its API key)').default(`cli:${userInfo().username}`)

/** `xiezhi lists …`: black, grey and white lists (名单) — create, add, remove, show, check. */
export function listsCommand(): Command {
  const lists = new Command('lists').description('black / grey / white lists of entity values: create, add, remove, show, check')

  lists
    .command('create')
    .description('create a list of one entity kind')
    .argument('<name>', 'lower-case letters, digits, _ and -')
    .requiredOption('--kind <kind>', `${listKinds.join(' | ')}`)
    .requiredOption('--entity <entityKind>', `what the list holds: ${entityKinds.join(', ')}`)
    .option('--description <text>', 'what the list is for')
    .addOption(serverOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (name: string, options: { kind: string; entity: string; description?: string; server?: string; by: string; json?: boolean }) => {
      const backend = await open(options, 'write')
      try {
        const list = await backend.create({
          name,
          kind: options.kind as ListKind,
          entityKind: options.entity as (typeof entityKinds)[number],
          ...(options.description === undefined ? {} : { description: options.description }),
        })
        console.log(options.json ? JSON.stringify(list) : `created ${list.kind} list ${list.name} of ${list.entityKind}`)
      } finally {
        await backend.close()
      }
    })

  lists
    .command('add')
    .description('add values to a list, all or none (only a blind index and a masked form of each are kept)')
    .argument('<name>')
    .argument('[values...]', 'the clear values')
    .option('--file <file>', 'also every line of this file (one value a line; blank lines skipped)')
    .requiredOption('--reason <text>', 'why the values are listed')
    .requiredOption('--source <text>', 'where the listing comes from (a case, a partner, …)')
    .option('--expires <when>', 'off the list from then on: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant', instant)
    .addOption(serverOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (name: string, values: string[], options: { file?: string; reason: string; source: string; expires?: number; server?: string; by: string; json?: boolean }) => {
      const all = [...values, ...(options.file ? readValues(options.file) : [])]
      if (all.length === 0) throw new InvalidArgumentError('give values, or --file')
      const entries = all.map((value) => ({ value, reason: options.reason, source: options.source, ...(options.expires === undefined ? {} : { expiresAtMs: options.expires }) }))
      const backend = await open(options, 'write')
      try {
        const added = await backend.add(name, entries)
        if (options.json) console.log(JSON.stringify(added))
        else for (const e of added.items) console.log(`added ${e.id}  ${e.maskedValue}${e.expiresAt ? `  until ${e.expiresAt}` : ''}`)
      } finally {
        await backend.close()
      }
    })

  lists
    .command('remove')
    .description('record that an entry is off the list from now on (the entry and its history are kept)')
    .argument('<name>')
    .argument('<entryId>')
    .addOption(serverOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (name: string, entryId: string, options: { server?: string; by: string; json?: boolean }) => {
      const backend = await open(options, 'write')
      try {
        const removed = await backend.remove(name, entryId)
        console.log(options.json ? JSON.stringify(removed) : `removed ${removed.id}  ${removed.maskedValue}  at ${removed.removedAt} by ${removed.removedBy}`)
      } finally {
        await backend.close()
      }
    })

  lists
    .command('show')
    .description('every list; or one list and its entries (masked), a page at a time')
    .argument('[name]')
    .option('--at <when>', 'entry statuses as of this moment (default now)', instant)
    .option('--limit <n>', 'entries per page', whole, 100)
    .option('--cursor <id>', 'the page after this entry (as printed after a full page)')
    .addOption(serverOption())
    .option('--json', 'one JSON line')
    .action(async (name: string | undefined, options: { at?: number; limit: number; cursor?: string; server?: string; json?: boolean }) => {
      const backend = await open(options, 'read')
      try {
        if (name === undefined) {
          const all = await backend.all()
          if (options.json) return console.log(JSON.stringify(all))
          for (const l of all.items) console.log(`${l.name.padEnd(32)} ${l.kind.padEnd(6)} ${l.entityKind.padEnd(10)} ${String(l.activeEntries).padStart(8)} active  ${l.description}`)
          return
        }
        const list = await backend.one(name)
        const page = await backend.entries(name, { limit: options.limit, ...(options.at === undefined ? {} : { atMs: options.at }), ...(options.cursor ? { cursor: options.cursor } : {}) })
        if (options.json) return console.log(JSON.stringify({ list, ...page }))
        console.log(`${list.name}: ${list.kind} list of ${list.entityKind}, ${list.activeEntries} active of ${list.entries} entries; created ${list.createdAt} by ${list.createdBy}${list.description ? `\n  ${list.description}` : ''}`)
        for (const e of page.items) console.log(entryLine(e))
        if (page.nextCursor) console.log(`more: --cursor ${page.nextCursor}`)
      } finally {
        await backend.close()
      }
    })

  lists
    .command('check')
    .description('is a value on a list (now, or --at a past moment)? exit 0 if it is, 2 if not')
    .argument('<name>')
    .argument('<value>', 'the clear value')
    .option('--at <when>', 'YYYY-MM-DD (a Beijing day) or an ISO 8601 instant (default now)', instant)
    .addOption(serverOption())
    .option('--json', 'one JSON line')
    .action(async (name: string, value: string, options: { at?: number; server?: string; json?: boolean }) => {
      const backend = await open(options, 'read')
      try {
        const found = await backend.entries(name, { value, limit: 1_000, ...(options.at === undefined ? {} : { atMs: options.at }) })
        if (options.json) console.log(JSON.stringify({ list: name, ...found }))
        else {
          console.log(`${found.onList ? 'on' : 'not on'} list ${name} at ${found.asOf}`)
          for (const e of found.items) console.log(entryLine(e))
        }
        process.exitCode = found.onList ? 0 : 2
      } finally {
        await backend.close()
      }
    })

  return lists
}

const entryLine = (e: EntryJson) =>
  `  ${e.id}  ${e.maskedValue.padEnd(20)} ${e.status.padEnd(8)} added ${e.addedAt} by ${e.addedBy}${e.expiresAt ? `, expires ${e.expiresAt}` : ''}${e.removedAt ? `, removed ${e.removedAt} by ${e.removedBy}` : ''}  ${e.reason} (${e.source})`

function readValues(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

async function open(options: { server?: string; by?: string }, mode: 'read' | 'write'): Promise<ListsBackend> {
  return options.server ? httpBackend(options.server) : localBackend(options.by ?? 'cli', mode)
}

/**
 * In this process, over the data directory. A change takes the directory's
 * lock, so no running server keeps a list in memory that the change would
 * leave stale: with a server running, change lists through it (--server).
 */
async function localBackend(author: string, mode: 'read' | 'write'): Promise<ListsBackend> {
  const config = readConfig(process.env)
  const unlock = mode === 'write' ? lockDataDir(config.dataDir) : () => {}
  try {
    const records = await openRecords(config)
    const membership = await ListMembership.load(records.store)
    const service = new ListService({ store: records.store, membership, vault: records.vault, clock: records.clock })
    const now = () => records.clock.nowMs()
    const counted = (name: string) => listView(service.list(defaultTenant, name), membership.counts(name, now(), defaultTenant))
    return {
      create: async (input) => listView(await service.createList(defaultTenant, input, author)),
      all: async () => ({ items: membership.listsOf(undefined, defaultTenant).map((l) => counted(l.name)) }),
      one: async (name) => counted(name),
      add: async (name, entries) => ({ items: (await service.addEntries(defaultTenant, name, entries, author)).map((e) => entryView(e, now())) }),
      remove: async (name, entryId) => entryView(await service.removeEntry(defaultTenant, name, entryId, author), now()),
      async entries(name, query) {
        const atMs = query.atMs ?? now()
        const asOf = new Date(atMs).toISOString()
        if (query.value !== undefined) {
          const found = await service.lookup(defaultTenant, name, query.value, atMs)
          return { asOf, onList: found.onList, items: found.entries.map((e) => entryView(e, atMs)) }
        }
        const page = await service.entries(defaultTenant, name, { limit: query.limit, ...(query.cursor ? { afterId: query.cursor } : {}) })
        return { asOf, items: page.items.map((e) => entryView(e, atMs)), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }
      },
      async close() {
        await records.close()
        unlock()
      },
    }
  } catch (error) {
    unlock()
    throw error
  }
}

/** A running server over HTTP. */
function httpBackend(server: string): ListsBackend {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => (await callServer<T>(server, method, path, body)).body
  const list = (name: string) => `/v1/lists/${encodeURIComponent(name)}`
  return {
    create: (input) => call('POST', '/v1/lists', input),
    all: () => call('GET', '/v1/lists'),
    one: (name) => call('GET', list(name)),
    add: (name, entries) =>
      call('POST', `${list(name)}/entries`, {
        entries: entries.map(({ expiresAtMs, ...rest }) => ({ ...rest, ...(expiresAtMs === undefined ? {} : { expiresAt: new Date(expiresAtMs).toISOString() }) })),
      }),
    remove: (name, entryId) => call('DELETE', `${list(name)}/entries/${encodeURIComponent(entryId)}`),
    entries(name, query) {
      const params = new URLSearchParams({ limit: String(query.limit) })
      if (query.value !== undefined) params.set('value', query.value)
      if (query.atMs !== undefined) params.set('at', new Date(query.atMs).toISOString())
      if (query.cursor !== undefined) params.set('cursor', query.cursor)
      return call('GET', `${list(name)}/entries?${params}`)
    },
    close: async () => {},
  }
}

