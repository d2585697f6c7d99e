/**
 * The flow structure the diagram draws and edits (web/src/components/flow-structure.ts),
 * checked against the server's reading: every edit the workbench makes to a
 * valid flow is compiled by the server's `compileStrategy`, and a deleted
 * node's references are refused there as `unknown_node` at the pointer the
 * diagram shows them on.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StrategyDocument } from '../../web/src/api/types.ts'
import { edgesOf, errorsFollowingNodes, layersOf, minimalNode, nodeKinds, nodesOf, withEdgeTarget, withNewNode, withoutNode, withTargets } from '../../web/src/components/flow-structure.ts'
import { compileStrategy } from '../../src/strategy/compile-strategy.ts'
import { openEngine } from '../../src/app/open-engine.ts'
import { readConfig } from '../../src/app/config.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const reason = (code: string) => ({ code, zh: `中文 ${code}`, en: `English ${code}` })
const base = (): StrategyDocument => ({
  id: 'structure',
  version: 1,
  eventType: 'credit.application',
  defaultAction: 'approve',
  models: [{ name: 'fraud', kind: 'logistic', intercept: -5, inputs: [{ feature: 'applicationsPerIp1h', weight: 0.3 }] }] as unknown as StrategyDocument['models'],
  flow: [
    { id: 'hard', type: 'ruleSet', mode: 'serial', rules: [{ id: 'r1', when: 'features.applicationsPerIp1h >= 10', action: 'reject', reason: reason('IP_STORM') }], next: { hit: 'end' } },
    { id: 'bands', type: 'modelThreshold', score: 'fraud', bands: [{ id: 'b1', when: '>= 0.8', action: 'reject', reason: reason('FRAUD_HIGH') }] },
  ],
})

test('edges: a missing next goes to the node below, written targets as written', () => {
  const edges = edgesOf(nodesOf(base()))
  assert.deepEqual(
    edges.map((e) => [e.from, e.kind, e.to, e.implicit, e.pointer]),
    [
      [0, 'hit', 'end', false, '/flow/0/next/hit'],
      [0, 'miss', 'bands', true, '/flow/0/next/miss'],
      [1, 'next', 'end', true, '/flow/1/next'],
    ],
  )
})

test('layers: the longest path from the start; a loop is tolerated', () => {
  assert.deepEqual(layersOf(4, [{ from: 0, to: 1 }, { from: 0, to: 2 }, { from: 1, to: 2 }, { from: 2, to: 3 }]), [0, 1, 2, 3])
  assert.deepEqual(layersOf(3, [{ from: 0, to: 1 }, { from: 1, to: 2 }, { from: 2, to: 0 }]), [0, 1, 2])
})

test('targets: both the same collapse to one id, both below drop next', () => {
  const doc = base()
  assert.equal(nodesOf(withTargets(doc, 0, 'bands', 'bands'))[0]!.next, 'bands')
  assert.equal('next' in nodesOf(withTargets(doc, 0, undefined, undefined))[0]!, false)
  assert.equal(nodesOf(withEdgeTarget(doc, { from: 0, kind: 'miss' }, 'end'))[0]!.next, 'end')
  assert.deepEqual(nodesOf(withEdgeTarget(doc, { from: 0, kind: 'hit' }, 'bands'))[0]!.next, { hit: 'bands' })
})

test('errors of the last save follow their nodes as nodes are removed; a removed node’s go', () => {
  const errors = { '/flow/0/next/miss': 'a', '/flow/2/rules/0/when': 'b', '/flow/1/id': 'c', '/eventType': 'd' }
  assert.deepEqual(errorsFollowingNodes(errors, ['x', 'y', 'z'], ['x', 'z']), { '/flow/0/next/miss': 'a', '/flow/1/rules/0/when': 'b', '/eventType': 'd' })
})

test('every kind of new node, wired in, compiles; the last node’s way on is written first; a deletion leaves unknown_node at the referrer', async () => {
  const data = tempDataDir('xiezhi-structure-')
  const engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }))
  try {
    const compile = (doc: StrategyDocument) => {
      try {
        compileStrategy(doc, engine.catalogue)
        return []
      } catch (error) {
        return ((error as { issues?: { pointer: string; code: string }[] }).issues ?? [{ pointer: '?', code: String(error) }]).map((i) => `${i.pointer} ${i.code}`)
      }
    }
    assert.deepEqual(compile(base()), [])
    for (const kind of nodeKinds) {
      const added = withNewNode(base(), minimalNode(kind, `new-${kind}`, ['fraud']))
      // the score bands went on to the end unwritten: now written, so the new node changes no path
      assert.equal(nodesOf(added)[1]!.next, 'end')
      assert.deepEqual(compile(added), ['/flow/2/id unreachable_node'], kind)
      // in between the two nodes; an output after the bands, as it ends the flow
      const id = `new-${kind}`
      const wired =
        kind === 'output'
          ? withTargets(added, 1, id, id)
          : kind === 'split'
            ? withEdgeTarget(withTargets(added, 0, 'end', id), { from: 2, kind: 'branch', branch: 0 }, 'bands')
            : withTargets(withTargets(added, 0, 'end', id), 2, 'bands', 'bands')
      assert.deepEqual(compile(wired), [], kind)
    }
    const withBlacklist = withTargets(withNewNode(base(), minimalNode('ruleSet', 'blacklist', [])), 0, 'end', 'blacklist')
    const deleted = withoutNode(withTargets(withBlacklist, 2, 'bands', 'bands'), 2)
    assert.deepEqual(compile(deleted), ['/flow/0/next/miss unknown_node', '/flow/1/id unreachable_node'])
  } finally {
    await engine.close()
    data.remove()
  }
})
