import { readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { Command, InvalidArgumentError, Option } from 'commander'
import { readConfig } from '../app/config.ts'
import { lockDataDir } from '../app/data-dir-lock.ts'
import { defaultTenant, openRecords } from '../app/open-engine.ts'
import { looksLikeOnnx } from '../models/import/onnx-model.ts'
import { modelKinds } from '../models/registry/model-records.ts'
import { ModelRegistry, type NewModelVersion } from '../models/registry/model-registry.ts'
import {
  type ArtifactView,
  type DetailView,
  type MoveView,
  type PromotionView,
  type SummaryView,
  type VersionView,
  artifactView,
  detailView,
  moveView,
  promotionView,
  summaryView,
  versionView,
} from '../models/registry/model-views.ts'
import { callServer } from './server-call.ts'

/** What the commands ask for, answered in this process (from the data directory) or by a running server: the same JSON either way. */
export interface ModelsBackend {
  register(name: string, input: NewModelVersion): Promise<{ version: VersionView; created: boolean }>
  all(): Promise<{ items: SummaryView[] }>
  one(name: string): Promise<DetailView>
  version(name: string, version: number): Promise<ArtifactView>
  promote(name: string, input: { alias: string; version: number; note?: string }): Promise<PromotionView>
  approve(name: string, promotionId: string): Promise<{ promotion: PromotionView; move: MoveView }>
  rollback(name: string, alias: string, note?: string): Promise<MoveView>
  close(): Promise<void>
}

const whole = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number from 1')
  return n
}

export const serverOption = () => new Option('--server <url>', 'ask a running server (its key: XIEZHI_API_KEY or the bootstrap key)')
export const byOption = () => new Option('--by <actor>', 'who acts, as recorded (in this process; a server records its API key)').default(`cli:${userInfo().username}`)

/** `xiezhi models …`: the model registry — list, show, register, promote, approve, rollback. */
export function modelsCommand(): Command {
  const models = new Command('models').description('the model registry: versions, aliases (champion, challenger), promotions with a second approver, rollback')

  models
    .command('list')
    .description('the models, with their latest version and aliases')
    .addOption(serverOption())
    .option('--json', 'one JSON line')
    .action(async (options: { server?: string; json?: boolean }) => {
      await withBackend(options, 'read', async (backend) => {
        const { items } = await backend.all()
        if (options.json) return console.log(JSON.stringify({ items }))
        if (items.length === 0) return console.log('no models')
        for (const m of items) {
          const aliases = Object.entries(m.aliases).map(([alias, v]) => `${alias}=v${v}`).join(' ') || '—'
          console.log(`${m.name.padEnd(32)} ${String(m.versions).padStart(3)} versions  latest v${m.latest.version} ${m.latest.kind.padEnd(18)} ${aliases}`)
        }
      })
    })

  models
    .command('show')
    .description("a model's versions, aliases, promotions and alias history; or one version")
    .argument('<name>')
    .argument('[version]', 'a version number: its metadata (and with --json its artifact)', whole)
    .addOption(serverOption())
    .option('--json', 'one JSON line')
    .action(async (name: string, version: number | undefined, options: { server?: string; json?: boolean }) => {
      await withBackend(options, 'read', async (backend) => {
        if (version !== undefined) {
          const v = await backend.version(name, version)
          if (options.json) return console.log(JSON.stringify(v))
          console.log(`${v.name} v${v.version} (${v.kind}) created ${v.createdAt} by ${v.createdBy}\nsha256 ${v.hash}`)
          return console.log(JSON.stringify(v.metadata, null, 2))
        }
        const d = await backend.one(name)
        if (options.json) return console.log(JSON.stringify(d))
        console.log(`model ${d.name}`)
        for (const v of d.versions) console.log(`  v${String(v.version).padEnd(4)} ${v.kind.padEnd(18)} ${v.createdAt} by ${v.createdBy}  ${metricsLine(v.metadata.metrics)}`)
        for (const a of d.aliases) console.log(`  alias ${a.alias} → v${a.version}${a.rollbackTo === null ? '' : ` (rollback → v${a.rollbackTo})`}, moved ${a.movedAt} by ${a.movedBy}`)
        for (const p of d.promotions.filter((p) => p.status === 'pending')) console.log(`  pending ${p.id}: ${p.alias} → v${p.version}, asked by ${p.requestedBy} at ${p.requestedAt}${p.note ? ` (${p.note})` : ''}`)
        for (const m of d.history) console.log(`  ${m.movedAt} ${m.kind.padEnd(9)} ${m.alias}: ${m.fromVersion === null ? '—' : `v${m.fromVersion}`} → v${m.toVersion} by ${m.movedBy}${m.note ? ` (${m.note})` : ''}`)
      })
    })

  models
    .command('register')
    .description('register a model file as a new version: xiezhi-gbdt or xiezhi-scorecard JSON, XGBoost JSON, a LightGBM text model, or an ONNX tree ensemble (.onnx)')
    .argument('<name>')
    .argument('<file>')
    .addOption(new Option('--kind <kind>', 'the kind the file must be').choices([...modelKinds]))
    .option('--metadata <file>', 'a JSON object: label, trainingWindow, parameters, metrics, description, …')
    .addOption(serverOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (name: string, file: string, options: { kind?: string; metadata?: string; server?: string; by: string; json?: boolean }) => {
      // JSON or LightGBM text alike: the registry tells the kind from the document; an ONNX file is bytes, sent in base64
      const bytes = readFileSync(file)
      const model = looksLikeOnnx(bytes) ? { format: 'onnx', base64: bytes.toString('base64') } : bytes.toString('utf8')
      const metadata = options.metadata ? (JSON.parse(readFileSync(options.metadata, 'utf8')) as Record<string, unknown>) : undefined
      await withBackend(options, 'write', async (backend) => {
        const { version, created } = await backend.register(name, { model, ...(options.kind ? { kind: options.kind } : {}), ...(metadata ? { metadata } : {}) })
        if (options.json) return console.log(JSON.stringify({ ...version, created }))
        console.log(`${created ? 'registered' : 'already registered as'} ${version.name} v${version.version} (${version.kind}, sha256 ${version.hash.slice(0, 12)}…)`)
      })
    })

  models
    .command('promote')
    .description('ask for an alias to point at a version; another user approves it')
    .argument('<name>')
    .requiredOption('--alias <alias>', 'champion, challenger, or another name')
    .requiredOption('--version <n>', 'the version', whole)
    .option('--note <text>', 'why')
    .addOption(serverOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (name: string, options: { alias: string; version: number; note?: string; server?: string; by: string; json?: boolean }) => {
      await withBackend(options, 'write', async (backend) => {
        const p = await backend.promote(name, { alias: options.alias, version: options.version, ...(options.note ? { note: options.note } : {}) })
        if (options.json) return console.log(JSON.stringify(p))
        console.log(`promotion ${p.id}: ${p.name} ${p.alias} → v${p.version}, asked by ${p.requestedBy}; another user approves it with: xiezhi models approve ${p.name} ${p.id}`)
      })
    })

  models
    .command('approve')
    .description('approve a promotion (not your own): the alias moves')
    .argument('<name>')
    .argument('<promotionId>')
    .addOption(serverOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (name: string, promotionId: string, options: { server?: string; by: string; json?: boolean }) => {
      await withBackend(options, 'write', async (backend) => {
        const approved = await backend.approve(name, promotionId)
        if (options.json) return console.log(JSON.stringify(approved))
        const m = approved.move
        console.log(`approved by ${approved.promotion.approvedBy}: ${name} ${m.alias} ${m.fromVersion === null ? '(new)' : `v${m.fromVersion}`} → v${m.toVersion}`)
      })
    })

  models
    .command('rollback')
    .description('point an alias back at the version it held before')
    .argument('<name>')
    .argument('<alias>')
    .option('--note <text>', 'why')
    .addOption(serverOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (name: string, alias: string, options: { note?: string; server?: string; by: string; json?: boolean }) => {
      await withBackend(options, 'write', async (backend) => {
        const m = await backend.rollback(name, alias, options.note)
        if (options.json) return console.log(JSON.stringify(m))
        console.log(`rolled back ${name} ${m.alias}: v${m.fromVersion} → v${m.toVersion} by ${m.movedBy}`)
      })
    })

  return models
}

const metricsLine = (metrics: unknown) => {
  if (!metrics || typeof metrics !== 'object') return ''
  const validation = (metrics as { validation?: Record<string, unknown> }).validation ?? (metrics as Record<string, unknown>)
  return ['auc', 'ks', 'logloss']
    .filter((k) => typeof validation[k] === 'number')
    .map((k) => `${k} ${(validation[k] as number).toFixed(4)}`)
    .join('  ')
}

async function withBackend(options: { server?: string; by?: string }, mode: 'read' | 'write', work: (backend: ModelsBackend) => Promise<void>) {
  const backend = await openModelsBackend(options, mode)
  try {
    await work(backend)
  } finally {
    await backend.close()
  }
}

export async function openModelsBackend(options: { server?: string; by?: string }, mode: 'read' | 'write'): Promise<ModelsBackend> {
  return options.server ? httpBackend(options.server) : localBackend(options.by ?? 'cli', mode)
}

/** In this process, over the data directory; a change takes the directory's lock, as list changes do (with a server running, use --server). */
async function localBackend(actor: string, mode: 'read' | 'write'): Promise<ModelsBackend> {
  const config = readConfig(process.env)
  const unlock = mode === 'write' ? lockDataDir(config.dataDir) : () => {}
  try {
    const records = await openRecords(config)
    const registry = new ModelRegistry({ store: records.store, clock: records.clock })
    return {
      async register(name, input) {
        const { version, created } = await registry.register(defaultTenant, name, input, actor)
        return { version: versionView(version), created }
      },
      all: async () => ({ items: (await registry.models(defaultTenant)).map(summaryView) }),
      one: async (name) => detailView(await registry.model(defaultTenant, name)),
      version: async (name, version) => artifactView(await registry.version(defaultTenant, name, version)),
      promote: async (name, input) => promotionView(await registry.requestPromotion(defaultTenant, name, input, actor)),
      async approve(name, promotionId) {
        const { promotion, move } = await registry.approvePromotion(defaultTenant, name, promotionId, actor)
        return { promotion: promotionView(promotion), move: moveView(move) }
      },
      rollback: async (name, alias, note) => moveView(await registry.rollback(defaultTenant, name, alias, actor, note)),
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

/** A running server over HTTP: the actor is the server's API key. */
function httpBackend(server: string): ModelsBackend {
  const call = <T>(method: string, path: string, body?: unknown) => callServer<T>(server, method, path, body)
  const model = (name: string) => `/v1/models/${encodeURIComponent(name)}`
  return {
    async register(name, input) {
      const { status, body } = await call<VersionView>('POST', `${model(name)}/versions`, input)
      return { version: body, created: status === 201 }
    },
    all: async () => (await call<{ items: SummaryView[] }>('GET', '/v1/models')).body,
    one: async (name) => (await call<DetailView>('GET', model(name))).body,
    version: async (name, version) => (await call<ArtifactView>('GET', `${model(name)}/versions/${version}`)).body,
    promote: async (name, input) => (await call<PromotionView>('POST', `${model(name)}/promotions`, input)).body,
    approve: async (name, promotionId) => (await call<{ promotion: PromotionView; move: MoveView }>('POST', `${model(name)}/promotions/${encodeURIComponent(promotionId)}/approve`)).body,
    rollback: async (name, alias, note) => (await call<MoveView>('POST', `${model(name)}/aliases/${encodeURIComponent(alias)}/rollback`, note ? { note } : {})).body,
    close: async () => {},
  }
}

