/**
 * Every text the workbench asks for exists in both languages: each literal
 * key passed to `t(…)` in web/src resolves to a string in English and in
 * Chinese, and each key built from a value (`action.${a}`) names a group
 * holding every value the API may send. (zh.ts is typed as en.ts, so the two
 * have the same keys.)
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { en } from '../../web/src/i18n/en.ts'
import { zh } from '../../web/src/i18n/zh.ts'

const webSrc = fileURLToPath(new URL('../../web/src/', import.meta.url))
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !dir.endsWith('i18n') ? [readFileSync(join(dir, e.name), 'utf8')] : []))

const lookup = (tree: unknown, key: string): unknown => key.split('.').reduce<unknown>((node, part) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), tree)

test('every literal key the workbench uses has an English and a Chinese text', () => {
  const code = sources(webSrc).join('\n')
  const keys = [...new Set([...code.matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)].map((m) => m[1]!))]
  assert.ok(keys.length > 200, `found ${keys.length} keys`)
  const missing = keys.filter((key) => typeof lookup(en, key) !== 'string' || typeof lookup(zh, key) !== 'string')
  assert.deepEqual(missing, [])
})

test('every key built from a value names a group holding every value', () => {
  const groups: Record<string, string[]> = {
    action: ['approve', 'step_up', 'review', 'reject'],
    risk: ['high', 'medium', 'low'],
    caseStatus: ['open', 'claimed', 'closed'],
    versionState: ['draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'live', 'retired'],
    arm: ['champion', 'challenger', 'shadow', 'only'],
    role: ['reviewer', 'analyst', 'approver', 'admin'],
    outcome: ['reached_applicant', 'someone_else_answered', 'no_answer', 'number_not_in_service', 'refused', 'suspected_scam_victim', 'confirmed_impersonation'],
    disposition: ['confirmed_fraud', 'scam_victim_dissuaded', 'legitimate_approve', 'credit_risk'],
    entity: ['user', 'id_number', 'phone', 'device', 'ip', 'bank_card', 'address', 'contacts', 'equipment', 'terminal'],
    history: ['opened', 'claimed', 'released', 'call', 'callback_scheduled', 'revealed', 'closed', 'ring_grown'],
    backtestStatus: ['queued', 'running', 'done', 'failed'],
    deploymentKind: ['config', 'publish', 'rollback'],
    'queue.counts': ['open', 'claimed', 'waitingCallback', 'breached'],
    'call.quick': ['inTwoHours', 'today18', 'tomorrow10', 'tomorrow15'],
    'dash.rate': ['approve', 'review', 'reject'],
    'flowEditor.hitPolicies': ['first', 'priority', 'collect'],
    'flowDiagram.kind': ['ruleSet', 'decisionTable', 'modelThreshold', 'split', 'output'],
    'flowDiagram.edge': ['next', 'hit', 'miss'],
    'flowDiagram.idProblem': ['format', 'end', 'taken'],
  }
  const code = sources(webSrc).join('\n')
  const built = [...new Set([...code.matchAll(/\bt\(`([a-zA-Z0-9_.]+)\.\$\{/g)].map((m) => m[1]!))].filter((g) => g !== 'problem')
  assert.deepEqual(built.filter((group) => !(group in groups)), [], 'a built key’s group is listed here')
  for (const [group, values] of Object.entries(groups)) {
    for (const value of values) {
      assert.equal(typeof lookup(en, `${group}.${value}`), 'string', `en ${group}.${value}`)
      assert.equal(typeof lookup(zh, `${group}.${value}`), 'string', `zh ${group}.${value}`)
    }
  }
})
