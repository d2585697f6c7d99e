import type { Clock } from '../../core/clock.ts'
import { type FieldIssue, invalidInput, XiezhiError } from '../../core/errors.ts'
import { uuidv7 } from '../../core/ids.ts'
import type { RecordStore } from '../../decisions/record-store.ts'
import { compileStrategy, type StrategyCatalogue } from '../compile-strategy.ts'
import { decisionPointKey } from '../decision-point.ts'
import type { Strategy } from '../strategy.ts'
import type { Stage } from '../strategy-document.ts'
import { type BacktestSummary, backtestSummary } from './backtest-summary.ts'
import type { DeploymentWatcher, StrategyDeployment } from './deployment.ts'
import { type ChainState, chainState, type LiveRole, sameArms, type VersionState, versionState, versionsOf } from './deployment-chain.ts'
import { checkDeploymentInput, checkNote, type DeploymentInput } from './deployment-input.ts'
import { alreadyApproved, deploymentMoved, notADraft, nothingToRollBack, notSubmitted, submissionEnded, unknownStrategy, unknownVersion } from './lifecycle-errors.ts'
import { type DocumentDiff, diffDocuments } from './strategy-diff.ts'
import { configActor, type StrategyVersionRecord, type SubmissionEnd, strategyIdPattern } from './strategy-records.ts'

export interface LifecycleDeps {
  store: RecordStore
  clock: Clock
  /** What every save of a tenant's strategy is compiled against: the engine's catalogue for the tenant (features, its event types, served registry models). */
  catalogue: (tenantId: string) => StrategyCatalogue
  /** Who serves deployments: asked before one is recorded, told after. */
  watcher?: DeploymentWatcher
  /** Every submission must cite a finished backtest of its document, and only such a version is approved (`XIEZHI_REQUIRE_BACKTEST`). */
  requireBacktest?: boolean
}

/** A version as people see it: the record, and its state with the deployment chain read in. */
export interface VersionStatus {
  record: StrategyVersionRecord
  state: VersionState
  /** Its role in the current deployment, when live. */
  role: LiveRole | null
}

export interface StrategySummary {
  tenantId: string
  id: string
  eventType: string
  product?: string
  stage?: Stage
  live: StrategyDeployment | null
  versions: Record<VersionState, number[]>
}

export interface StrategyDetail {
  tenantId: string
  id: string
  eventType: string
  product?: string
  stage?: Stage
  versions: VersionStatus[]
  /** What runs now and where rollbacks would go; undefined when never deployed. */
  chain: ChainState | undefined
  /** Every deployment, oldest first; never deleted. */
  deployments: StrategyDeployment[]
}

/** What an approver looks at: the change against the live champion, and the backtest the submission cites. */
export interface SubmissionReview {
  against: number | null
  diff: DocumentDiff | null
  backtest: BacktestSummary | null
}

/** What runs for a strategy, with the documents (canonical JSON) of the versions it names. */
export interface LiveDeployment {
  deployment: StrategyDeployment
  documents: ReadonlyMap<number, string>
}

/** A strategy compiled from a file of the config folder: `Strategy` fits. */
export interface ConfigVersion {
  id: string
  version: number
  hash: string
  /** The document as compiled (canonical JSON). */
  source: string
}

/** The actor of every HTTP request with authentication off: it cannot tell two people apart. */
export const anonymousActor = 'anonymous'

/**
 * The strategy lifecycle (策略生命周期). A strategy's versions are written as
 * drafts, submitted (the document is frozen, optionally with a finished
 * backtest of that very document), and approved by an actor who neither
 * wrote nor submitted them — or rejected by such an actor, with a comment,
 * or withdrawn by its author, after which neither may approve it; then deployed: a champion, challengers taking a
 * share of the traffic, shadows. Deployments form a chain per strategy,
 * each naming the one before, so only one change can follow another and a
 * rollback goes back exactly one step. Errors point into the service's
 * input (`/id`, `/version`, `/document/...`); the API says where that was in
 * the request. Actors are strings: `key:<id>` over HTTP, `--by` in the CLI.
 *
 * A strategy is a tenant's (`tenantId`, first argument of every method):
 * its id is unique within the tenant, only the tenant reads or changes it
 * (to another tenant it does not exist: `unknown_strategy`), and its
 * deployments decide only that tenant's events. Two tenants may each have a
 * strategy of the same id, for the same decision point.
 */
export class StrategyLifecycle {
  constructor(private readonly deps: LifecycleDeps) {}

  /** Records a new draft under the strategy's next version number; the document's `version` is set to it (or must be it), and its `id` to the strategy's. */
  async createDraft(tenantId: string, id: string, input: { document: unknown }, actor: string): Promise<StrategyVersionRecord> {
    checkId(id)
    for (let attempt = 0; ; attempt++) {
      const versions = await this.deps.store.listStrategyVersions(tenantId, id)
      const next = (versions[versions.length - 1]?.version ?? 0) + 1
      const strategy = this.compileDocument(tenantId, id, next, input.document, 'next')
      const record = newVersion({ tenantId, id, version: next, hash: strategy.hash, source: strategy.source }, actor, this.deps.clock.nowMs(), 'draft')
      if (await this.deps.store.addStrategyVersion(record)) return record
      // another draft took the number meanwhile: take the next one (a document that named this number is refused then)
      if (attempt >= 2) throw new XiezhiError('conflict', `Version ${next} of strategy "${id}" was taken meanwhile; retry`, [{ pointer: '/id', code: 'version_taken', message: 'another draft took the number first' }])
    }
  }

  /** Replaces a draft's document, while it is a draft; whoever saves it is one of its authors. */
  async replaceDraft(tenantId: string, id: string, version: number, input: { document: unknown }, actor: string): Promise<StrategyVersionRecord> {
    const record = await this.record(tenantId, id, version)
    if (record.state !== 'draft') throw frozen(record)
    const strategy = this.compileDocument(tenantId, id, version, input.document, 'this')
    const change = { hash: strategy.hash, document: strategy.source, authors: [...new Set([...record.authors, actor])], updatedAtMs: this.deps.clock.nowMs() }
    if (!(await this.deps.store.replaceStrategyDraft(tenantId, id, version, change))) throw frozen(await this.record(tenantId, id, version))
    return { ...record, ...change }
  }

  /**
   * Submits a draft for approval: its document is frozen from now on. A
   * backtest, if cited, must be a finished backtest (of the tenant) of this
   * very document: the same strategy, version and hash.
   */
  async submit(tenantId: string, id: string, version: number, input: { backtestId?: string; note?: string }, actor: string): Promise<StrategyVersionRecord> {
    const issues: FieldIssue[] = []
    if (input.backtestId !== undefined && (typeof input.backtestId !== 'string' || input.backtestId === '' || input.backtestId.length > 64))
      issues.push({ pointer: '/backtestId', code: 'invalid_format', message: 'backtestId is the id POST /v1/backtests answered with' })
    checkNote(input.note, issues)
    if (input.backtestId === undefined && this.deps.requireBacktest) issues.push({ pointer: '/backtestId', code: 'required', message: 'this server requires a finished backtest of the version with its submission (XIEZHI_REQUIRE_BACKTEST)' })
    if (issues.length > 0) throw invalidInput('The submission is invalid', issues)
    const record = await this.record(tenantId, id, version)
    if (record.state !== 'draft') throw frozen(record)
    if (input.backtestId !== undefined) await this.checkBacktest(tenantId, record, input.backtestId)
    const submission = { submittedBy: actor, atMs: this.deps.clock.nowMs(), note: input.note ?? '', backtestId: input.backtestId ?? null }
    if (!(await this.deps.store.submitStrategyVersion(tenantId, id, version, submission))) throw frozen(await this.record(tenantId, id, version))
    return { ...record, state: 'submitted', submittedBy: actor, submittedAtMs: submission.atMs, submitNote: submission.note, backtestId: submission.backtestId }
  }

  /**
   * Approves a submitted version: the approver must be neither one of its
   * authors nor its submitter (four eyes), and cannot be `anonymous` (with
   * the server's authentication off, anyone). With `deploy` (the default)
   * the version becomes the champion in the same transaction; the other arms
   * of the current deployment stay.
   */
  async approve(tenantId: string, id: string, version: number, input: { deploy?: boolean; note?: string }, actor: string): Promise<{ version: StrategyVersionRecord; deployment: StrategyDeployment | null }> {
    const issues: FieldIssue[] = []
    if (input.deploy !== undefined && typeof input.deploy !== 'boolean') issues.push({ pointer: '/deploy', code: 'invalid_type', message: 'deploy is true or false' })
    checkNote(input.note, issues)
    if (issues.length > 0) throw invalidInput('The approval is invalid', issues)
    const record = await this.record(tenantId, id, version)
    checkSubmitted(record)
    checkFourEyes(record, actor)
    // a version submitted before the rule was turned on is sent back, not let through
    if (this.deps.requireBacktest && record.backtestId === null) {
      throw new XiezhiError('conflict', `Version ${version} of strategy "${id}" was submitted without a backtest`, [
        { pointer: '/version', code: 'backtest_required', message: 'this server approves only versions submitted with a finished backtest (XIEZHI_REQUIRE_BACKTEST): reject it, and let its author submit a copy with one' },
      ])
    }
    const atMs = this.deps.clock.nowMs()
    const approval = { approvedBy: actor, atMs, note: input.note ?? '' }
    const approved: StrategyVersionRecord = { ...record, state: 'approved', approvedBy: actor, approvedAtMs: atMs, approveNote: approval.note }
    if (input.deploy === false) {
      if (!(await this.deps.store.approveStrategyVersion(tenantId, id, version, approval))) throw await this.approvalRefused(tenantId, id, version)
      return { version: approved, deployment: null }
    }
    const chain = chainState(await this.deps.store.listStrategyDeployments(tenantId, id))
    const deployment = this.newDeployment(tenantId, id, asChampion(version, chain), 'publish', chain, actor, approval.note, atMs)
    const documents = await this.documentsOf(deployment, new Map([[version, record.document]]))
    await this.deps.watcher?.check(deployment, documents)
    if (!(await this.deps.store.approveStrategyVersion(tenantId, id, version, approval, deployment))) throw await this.approvalRefused(tenantId, id, version)
    await this.deps.watcher?.deployed(deployment, documents)
    return { version: approved, deployment }
  }

  /**
   * Rejects a submitted version: the approver says why (`note`, required),
   * and is neither one of its authors nor its submitter (they withdraw it
   * instead). Final: the version can no longer be approved; its author
   * writes a new draft from it.
   */
  async reject(tenantId: string, id: string, version: number, input: { note?: string }, actor: string): Promise<StrategyVersionRecord> {
    const issues: FieldIssue[] = []
    if (typeof input.note !== 'string' || input.note.trim() === '') issues.push({ pointer: '/note', code: 'required', message: 'a rejection says why: the author reads it in the history' })
    else checkNote(input.note, issues)
    if (issues.length > 0) throw invalidInput('The rejection is invalid', issues)
    const record = await this.record(tenantId, id, version)
    checkSubmitted(record)
    if (record.authors.includes(actor) || record.submittedBy === actor) {
      throw new XiezhiError('conflict', `A version is rejected by someone other than its authors and its submitter (${actor})`, [
        { pointer: '/version', code: 'same_actor', message: `written by ${record.authors.join(', ')}, submitted by ${record.submittedBy}: withdraw it instead` },
      ])
    }
    return this.endSubmission(record, { outcome: 'rejected', by: actor, atMs: this.deps.clock.nowMs(), note: input.note!.trim() })
  }

  /** Withdraws a submitted version, by one of its authors or its submitter. Final, as a rejection: write a new draft from it. */
  async withdraw(tenantId: string, id: string, version: number, input: { note?: string }, actor: string): Promise<StrategyVersionRecord> {
    const issues: FieldIssue[] = []
    checkNote(input.note, issues)
    if (issues.length > 0) throw invalidInput('The withdrawal is invalid', issues)
    const record = await this.record(tenantId, id, version)
    checkSubmitted(record)
    if (!record.authors.includes(actor) && record.submittedBy !== actor) {
      throw new XiezhiError('forbidden', `Only the authors or the submitter of version ${version} of strategy "${id}" may withdraw it`, [
        { pointer: '/version', code: 'not_an_author', message: `written by ${record.authors.join(', ')}, submitted by ${record.submittedBy}; an approver rejects it instead` },
      ])
    }
    return this.endSubmission(record, { outcome: 'withdrawn', by: actor, atMs: this.deps.clock.nowMs(), note: input.note?.trim() ?? '' })
  }

  private async endSubmission(record: StrategyVersionRecord, end: SubmissionEnd): Promise<StrategyVersionRecord> {
    if (!(await this.deps.store.endStrategySubmission(record.tenantId, record.id, record.version, end))) {
      // it moved meanwhile (approved, rejected or withdrawn by someone else): say what it is now
      checkSubmitted(await this.record(record.tenantId, record.id, record.version))
      throw deploymentMoved()
    }
    return end.outcome === 'rejected'
      ? { ...record, state: 'rejected', rejectedBy: end.by, rejectedAtMs: end.atMs, rejectNote: end.note }
      : { ...record, state: 'withdrawn', withdrawnBy: end.by, withdrawnAtMs: end.atMs, withdrawNote: end.note }
  }

  /** Changes what runs: every version named must be approved; the champion takes the traffic the challengers leave. */
  async deploy(tenantId: string, id: string, input: DeploymentInput, actor: string): Promise<StrategyDeployment> {
    const arms = checkDeploymentInput(input)
    await this.record(tenantId, id, arms.champion, '/champion')
    const chain = chainState(await this.deps.store.listStrategyDeployments(tenantId, id))
    if (chain && sameArms(chain.current, arms)) {
      throw new XiezhiError('conflict', `Strategy "${id}" runs exactly that already`, [{ pointer: '/champion', code: 'already_deployed', message: `deployment ${chain.current.id} runs these versions with these shares` }])
    }
    return this.recordDeployment(this.newDeployment(tenantId, id, arms, 'publish', chain, actor, arms.note, this.deps.clock.nowMs()))
  }

  /** Goes back to the deployment before the current one (a second rollback goes one further). Its versions were approved before: no second approval. */
  async rollback(tenantId: string, id: string, actor: string, note = ''): Promise<StrategyDeployment> {
    const issues: FieldIssue[] = []
    checkNote(note, issues)
    if (issues.length > 0) throw invalidInput('The rollback is invalid', issues)
    await this.versionsOf(tenantId, id)
    const chain = chainState(await this.deps.store.listStrategyDeployments(tenantId, id))
    if (!chain) throw nothingToRollBack(id, 'the strategy was never deployed')
    const target = chain.earlier[chain.earlier.length - 1]
    if (!target) throw nothingToRollBack(id, `deployment ${chain.current.id} is the first one left; deploy another instead`)
    return this.recordDeployment(this.newDeployment(tenantId, id, target, 'rollback', chain, actor, note, this.deps.clock.nowMs()))
  }

  /**
   * A strategy of the config folder, at start: records its version as
   * approved by `config` if it is new; an existing version must have the
   * same document (a version never changes: edit, then raise it) and be
   * approved. Says whether to deploy it (`deployConfigVersion`): when the
   * strategy was never deployed, or the file's version is above the live
   * champion's and no deployment ever named it (so a rollback away from it
   * is not undone by the next start).
   */
  async recordConfigVersion(tenantId: string, strategy: ConfigVersion): Promise<{ version: StrategyVersionRecord; created: boolean; deploy: boolean }> {
    let existing = await this.deps.store.getStrategyVersionRecord(tenantId, strategy.id, strategy.version)
    let created = false
    if (!existing) {
      const record = newVersion({ tenantId, id: strategy.id, version: strategy.version, hash: strategy.hash, source: strategy.source }, configActor, this.deps.clock.nowMs(), 'approved')
      created = await this.deps.store.addStrategyVersion(record)
      existing = created ? record : await this.deps.store.getStrategyVersionRecord(tenantId, strategy.id, strategy.version)
    }
    if (!existing || existing.hash !== strategy.hash) {
      throw new XiezhiError(
        'invalid_configuration',
        `strategy "${strategy.id}" version ${strategy.version} differs from the version already recorded; give the change a new version number`,
      )
    }
    if (existing.state !== 'approved') {
      throw new XiezhiError(
        'invalid_configuration',
        `strategy "${strategy.id}" version ${strategy.version} is a ${existing.state} version written through the API, not approved; give the file another version number`,
      )
    }
    const deployments = await this.deps.store.listStrategyDeployments(tenantId, strategy.id)
    const chain = chainState(deployments)
    const deploy = !chain || (strategy.version > chain.current.champion && !deployments.some((d) => versionsOf(d).includes(strategy.version)))
    return { version: existing, created, deploy }
  }

  /** Makes a config file's version the champion (kind `config`, by `config`); the other arms of the current deployment stay. */
  async deployConfigVersion(tenantId: string, id: string, version: number): Promise<StrategyDeployment> {
    await this.record(tenantId, id, version)
    const chain = chainState(await this.deps.store.listStrategyDeployments(tenantId, id))
    return this.recordDeployment(this.newDeployment(tenantId, id, asChampion(version, chain), 'config', chain, configActor, '', this.deps.clock.nowMs()))
  }

  /** The current deployment of every strategy of every tenant ever deployed, with the documents of the versions it names. */
  async liveDeployments(): Promise<LiveDeployment[]> {
    const byStrategy = groupBy(await this.deps.store.listStrategyDeployments(null), strategyKey)
    const live: LiveDeployment[] = []
    for (const deployments of byStrategy.values()) {
      const deployment = deployments[deployments.length - 1]!
      live.push({ deployment, documents: await this.documentsOf(deployment) })
    }
    return live
  }

  /** The tenant's strategies; no other tenant's. */
  async strategies(tenantId: string): Promise<StrategySummary[]> {
    const versions = groupBy(await this.deps.store.listStrategyVersions(tenantId), (v) => v.id)
    const deployments = groupBy(await this.deps.store.listStrategyDeployments(tenantId), (d) => d.strategyId)
    return [...versions].map(([id, records]) => {
      const chain = deployments.get(id) ?? []
      const live = chain[chain.length - 1] ?? null
      const byState: Record<VersionState, number[]> = { draft: [], submitted: [], approved: [], rejected: [], withdrawn: [], live: [], retired: [] }
      for (const record of records) byState[versionState(record, chain).state].push(record.version)
      return { tenantId, id, ...decisionPointOf(records, live), live, versions: byState }
    })
  }

  async strategy(tenantId: string, id: string): Promise<StrategyDetail> {
    const records = await this.versionsOf(tenantId, id)
    const deployments = await this.deps.store.listStrategyDeployments(tenantId, id)
    const chain = chainState(deployments)
    return {
      tenantId,
      id,
      ...decisionPointOf(records, chain?.current ?? null),
      versions: records.map((record) => ({ record, ...versionState(record, deployments) })),
      chain,
      deployments,
    }
  }

  async version(tenantId: string, id: string, version: number): Promise<VersionStatus> {
    const record = await this.record(tenantId, id, version)
    return { record, ...versionState(record, await this.deps.store.listStrategyDeployments(tenantId, id)) }
  }

  /** What the approver of a submission sees: the diff from the live champion to it, and the summary of the backtest it cites. */
  async review(tenantId: string, id: string, version: number): Promise<SubmissionReview> {
    const record = await this.record(tenantId, id, version)
    const current = chainState(await this.deps.store.listStrategyDeployments(tenantId, id))?.current
    const against = current && current.champion !== version ? await this.deps.store.getStrategyVersionRecord(tenantId, id, current.champion) : undefined
    const backtest = record.backtestId === null ? undefined : await this.deps.store.getBacktest(tenantId, record.backtestId)
    return {
      against: against?.version ?? null,
      diff: against ? diffDocuments(JSON.parse(against.document), JSON.parse(record.document)) : null,
      backtest: backtest ? backtestSummary(backtest) : null,
    }
  }

  /** A readable diff between two versions (`strategy-diff.ts`). */
  async diff(tenantId: string, id: string, from: number, to: number): Promise<DocumentDiff> {
    const [a, b] = [await this.record(tenantId, id, from, '/from'), await this.record(tenantId, id, to, '/to')]
    return diffDocuments(JSON.parse(a.document), JSON.parse(b.document))
  }

  /** A version of the tenant's strategy; another tenant's strategy of that id is, for this tenant, no strategy at all. */
  private async record(tenantId: string, id: string, version: number, pointer = '/version'): Promise<StrategyVersionRecord> {
    checkId(id)
    const found = await this.deps.store.getStrategyVersionRecord(tenantId, id, version)
    if (found) return found
    await this.versionsOf(tenantId, id)
    throw unknownVersion(id, version, pointer)
  }

  private async versionsOf(tenantId: string, id: string): Promise<StrategyVersionRecord[]> {
    checkId(id)
    const versions = await this.deps.store.listStrategyVersions(tenantId, id)
    if (versions.length === 0) throw unknownStrategy(id)
    return versions
  }

  /**
   * Compiles a document for `id` at `version`: its `id` is set to the
   * strategy's or must be it, as must its `version`. Problems point under
   * `/document`.
   */
  private compileDocument(tenantId: string, id: string, version: number, raw: unknown, which: 'next' | 'this'): Strategy {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidInput('The document must be an object', [{ pointer: '/document', code: 'invalid_type', message: 'a strategy document is an object' }])
    const given = raw as Record<string, unknown>
    const issues: FieldIssue[] = []
    if (given.id !== undefined && given.id !== id) issues.push({ pointer: '/document/id', code: 'id_mismatch', message: `the document is strategy "${String(given.id)}", not "${id}"` })
    if (given.version !== undefined && given.version !== version) {
      const what = which === 'next' ? `the next version of "${id}" is ${version}: give version ${version} or leave version out` : `this is version ${version}`
      issues.push({ pointer: '/document/version', code: 'version_mismatch', message: what })
    }
    if (issues.length > 0) throw invalidInput('The document does not fit the strategy', issues)
    try {
      return compileStrategy({ ...given, id, version }, this.deps.catalogue(tenantId))
    } catch (error) {
      if (!(error instanceof XiezhiError)) throw error
      throw new XiezhiError(error.kind, error.message, error.issues.map((issue) => ({ ...issue, pointer: `/document${issue.pointer}` })))
    }
  }

  private async checkBacktest(tenantId: string, record: StrategyVersionRecord, backtestId: string) {
    const backtest = await this.deps.store.getBacktest(tenantId, backtestId)
    if (!backtest) throw new XiezhiError('not_found', `No backtest "${backtestId}"`, [{ pointer: '/backtestId', code: 'unknown_backtest', message: 'the tenant has no backtest of that id' }])
    if (backtest.status !== 'done') {
      throw new XiezhiError('conflict', `Backtest "${backtestId}" has not finished`, [
        { pointer: '/backtestId', code: 'backtest_not_done', message: notDone(backtest) },
      ])
    }
    const differences = [
      backtest.strategyId !== record.id ? `strategy "${backtest.strategyId}", not "${record.id}"` : '',
      backtest.strategyVersion !== record.version ? `version ${backtest.strategyVersion}, not ${record.version}` : '',
      backtest.strategyHash !== record.hash ? `a document with hash ${backtest.strategyHash.slice(0, 12)}…, not this one (${record.hash.slice(0, 12)}…)` : '',
    ].filter(Boolean)
    if (differences.length > 0) {
      throw new XiezhiError('conflict', `Backtest "${backtestId}" is not of this document`, [
        { pointer: '/backtestId', code: 'backtest_mismatch', message: `it replayed ${differences.join(', ')}; backtest the draft as it stands` },
      ])
    }
  }

  private async approvalRefused(tenantId: string, id: string, version: number): Promise<XiezhiError> {
    try {
      checkSubmitted(await this.record(tenantId, id, version))
    } catch (error) {
      return error as XiezhiError
    }
    return deploymentMoved()
  }

  private newDeployment(
    tenantId: string,
    strategyId: string,
    arms: Pick<StrategyDeployment, 'champion' | 'challengers' | 'shadows'>,
    kind: StrategyDeployment['kind'],
    chain: ChainState | undefined,
    actor: string,
    note: string,
    atMs: number,
  ): StrategyDeployment {
    return {
      id: uuidv7(atMs),
      tenantId,
      strategyId,
      champion: arms.champion,
      challengers: arms.challengers.map((c) => ({ ...c })),
      shadows: [...arms.shadows],
      kind,
      previousId: chain?.current.id ?? null,
      movedBy: actor,
      movedAtMs: atMs,
      note,
    }
  }

  /** Checks a deployment (approved versions, one decision point), asks the watcher, records it, tells the watcher. */
  private async recordDeployment(deployment: StrategyDeployment): Promise<StrategyDeployment> {
    const documents = await this.documentsOf(deployment)
    await this.deps.watcher?.check(deployment, documents)
    if (!(await this.deps.store.addStrategyDeployment(deployment))) throw deploymentMoved()
    await this.deps.watcher?.deployed(deployment, documents)
    return deployment
  }

  /**
   * The documents of the versions a deployment names, each checked: it must
   * exist and be approved (but for `given`, being approved with it), decide
   * the champion's decision point, which no other live strategy decides.
   */
  private async documentsOf(deployment: StrategyDeployment, given: ReadonlyMap<number, string> = new Map()): Promise<Map<number, string>> {
    const { tenantId, strategyId: id } = deployment
    const pointers = new Map<number, string>([[deployment.champion, '/champion']])
    deployment.challengers.forEach((c, i) => {
      pointers.set(c.version, `/challengers/${i}/version`)
    })
    deployment.shadows.forEach((v, i) => {
      pointers.set(v, `/shadows/${i}`)
    })
    const documents = new Map<number, string>()
    const issues: FieldIssue[] = []
    for (const [version, pointer] of pointers) {
      const known = given.get(version)
      if (known !== undefined) {
        documents.set(version, known)
        continue
      }
      const record = await this.record(tenantId, id, version, pointer)
      if (record.state !== 'approved') {
        issues.push({ pointer, code: 'not_approved', message: `version ${version} is ${record.state}: only approved versions run` })
      }
      documents.set(version, record.document)
    }
    const point = (version: number) => pointOf(documents.get(version)!)
    const champion = point(deployment.champion)
    for (const [version, pointer] of pointers) {
      if (point(version) !== champion) {
        issues.push({ pointer, code: 'decision_point_mismatch', message: `version ${version} decides ${point(version)}, the champion ${champion}` })
      }
    }
    for (const other of await this.liveElsewhere(tenantId, id)) {
      if (pointOf(other.document) === champion) {
        issues.push({ pointer: '/champion', code: 'decision_point_taken', message: `strategy "${other.id}" (version ${other.version}, live) decides ${champion}` })
      }
    }
    if (issues.length > 0) throw new XiezhiError('conflict', `Strategy "${id}" cannot run that deployment`, issues)
    return documents
  }

  /** The live champions of the tenant's other strategies: another tenant may decide the same point with its own. */
  private async liveElsewhere(tenantId: string, id: string): Promise<StrategyVersionRecord[]> {
    const current = new Map<string, StrategyDeployment>()
    for (const d of await this.deps.store.listStrategyDeployments(tenantId)) if (d.strategyId !== id) current.set(d.strategyId, d)
    const records: StrategyVersionRecord[] = []
    for (const d of current.values()) {
      const record = await this.deps.store.getStrategyVersionRecord(tenantId, d.strategyId, d.champion)
      if (record) records.push(record)
    }
    return records
  }
}

/** A version as first recorded: a draft by its author, or approved at once (a config file, by `config`). */
function newVersion(v: ConfigVersion & { tenantId: string }, actor: string, atMs: number, state: 'draft' | 'approved'): StrategyVersionRecord {
  return {
    tenantId: v.tenantId,
    id: v.id,
    version: v.version,
    state,
    hash: v.hash,
    document: v.source,
    authors: [actor],
    createdAtMs: atMs,
    updatedAtMs: atMs,
    submittedBy: null,
    submittedAtMs: null,
    submitNote: '',
    backtestId: null,
    approvedBy: state === 'approved' ? actor : null,
    approvedAtMs: state === 'approved' ? atMs : null,
    approveNote: '',
    rejectedBy: null,
    rejectedAtMs: null,
    rejectNote: '',
    withdrawnBy: null,
    withdrawnAtMs: null,
    withdrawNote: '',
  }
}

/** The arms of the current deployment with `version` as the champion (no longer a challenger or a shadow). */
function asChampion(version: number, chain: ChainState | undefined): Pick<StrategyDeployment, 'champion' | 'challengers' | 'shadows'> {
  return {
    champion: version,
    challengers: (chain?.current.challengers ?? []).filter((c) => c.version !== version),
    shadows: (chain?.current.shadows ?? []).filter((v) => v !== version),
  }
}

function checkFourEyes(record: StrategyVersionRecord, actor: string) {
  if (actor === anonymousActor) {
    throw new XiezhiError('conflict', 'An approval needs a known approver', [
      { pointer: '/version', code: 'same_actor', message: 'with authentication off every caller is anonymous, who may be the author: approve with an API key, or locally with --by' },
    ])
  }
  if (record.authors.includes(actor) || record.submittedBy === actor) {
    throw new XiezhiError('conflict', `A version needs an approver other than its authors and its submitter (${actor})`, [
      { pointer: '/version', code: 'same_actor', message: `written by ${record.authors.join(', ')}, submitted by ${record.submittedBy}; another user or API key must approve it` },
    ])
  }
}

/** Who moved a version to its state, and when. */
function lastStep(record: StrategyVersionRecord): { by: string | null; atMs: number | null } {
  if (record.state === 'approved') return { by: record.approvedBy, atMs: record.approvedAtMs }
  if (record.state === 'rejected') return { by: record.rejectedBy, atMs: record.rejectedAtMs }
  if (record.state === 'withdrawn') return { by: record.withdrawnBy, atMs: record.withdrawnAtMs }
  return { by: record.submittedBy, atMs: record.submittedAtMs }
}

const frozen = (record: StrategyVersionRecord) => notADraft(record.id, record.version, record.state, lastStep(record).by, lastStep(record).atMs)

/** Only a submitted version may be approved, rejected or withdrawn: the refusal names the state it is in. */
function checkSubmitted(record: StrategyVersionRecord) {
  const { id, version } = record
  if (record.state === 'draft') throw notSubmitted(id, version)
  if (record.state === 'approved') throw alreadyApproved(id, version, record.approvedBy, record.approvedAtMs)
  if (record.state === 'rejected') throw submissionEnded(id, version, 'rejected', record.rejectedBy, record.rejectedAtMs, record.rejectNote)
  if (record.state === 'withdrawn') throw submissionEnded(id, version, 'withdrawn', record.withdrawnBy, record.withdrawnAtMs, record.withdrawNote)
}

function checkId(id: string) {
  if (typeof id !== 'string' || !new RegExp(strategyIdPattern).test(id))
    throw invalidInput('The strategy id is invalid', [{ pointer: '/id', code: 'invalid_format', message: 'id must be lower-case letters, digits, dots and dashes, starting with a letter' }])
  if (id === 'schema') throw invalidInput('The strategy id is reserved', [{ pointer: '/id', code: 'reserved', message: '"schema" names the JSON Schema of strategies (GET /v1/strategies/schema)' }])
}

const pointOf = (document: string) => {
  const parsed = JSON.parse(document) as { eventType: string; product?: string; stage?: string }
  return decisionPointKey(parsed.eventType, parsed.product, parsed.stage)
}

function decisionPointOf(records: StrategyVersionRecord[], live: StrategyDeployment | null): { eventType: string; product?: string; stage?: Stage } {
  const record = (live && records.find((r) => r.version === live.champion)) ?? records[records.length - 1]!
  const { eventType, product, stage } = JSON.parse(record.document) as { eventType: string; product?: string; stage?: Stage }
  return { eventType, ...(product === undefined ? {} : { product }), ...(stage === undefined ? {} : { stage }) }
}

/** A strategy across tenants: the tenant and the id (which is unique within the tenant). */
const strategyKey = (d: { tenantId: string; strategyId: string }) => `${d.tenantId}/${d.strategyId}`

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item])
  return groups
}

/** Why a cited backtest cannot back a submission yet, or ever. */
function notDone(backtest: { status: string; error: string | null; cancelledBy: string | null }): string {
  if (backtest.status === 'queued' || backtest.status === 'running') return `it is still ${backtest.status}; submit when it is done`
  if (backtest.status === 'cancelled') return `it was cancelled by ${backtest.cancelledBy ?? 'someone'}`
  return `it failed: ${backtest.error ?? 'no reason recorded'}`
}
