import { Type } from '@sinclair/typebox'
import { type FieldIssue, XiezhiError } from '../../core/errors.ts'
import { checkedDocument } from '../json-document.ts'
import { GbdtModel, type TreeArrays } from './tree-model.ts'

/**
 * The model as JSON (`docs/models.md` describes it field by field):
 *
 *   { "format": "xiezhi-gbdt", "version": 1, "objective": "binary",
 *     "featureNames": [...], "baseScore": -1.39,
 *     "trees": [{ "feature": [...], "threshold": [...], "defaultLeft": [...],
 *                 "left": [...], "right": [...], "value": [...],
 *                 "cover": [...], "gain": [...] }, ...],
 *     "training": { "parameters": {...}, ... } }
 *
 * Each tree is parallel arrays over its nodes; node 0 is the root; a leaf
 * has feature −1 and children −1. Numbers are written in the shortest form
 * that reads back to the same double, so a model round-trips exactly and the
 * same training gives the same bytes.
 */
export const modelFormat = 'xiezhi-gbdt'
export const modelFormatVersion = 1

const Numbers = Type.Array(Type.Number())
const Integers = Type.Array(Type.Integer())

const TreeJson = Type.Object(
  {
    feature: Integers,
    threshold: Numbers,
    defaultLeft: Type.Array(Type.Union([Type.Literal(0), Type.Literal(1)])),
    left: Integers,
    right: Integers,
    value: Numbers,
    cover: Numbers,
    gain: Numbers,
  },
  { additionalProperties: false },
)

export const GbdtModelJson = Type.Object(
  {
    format: Type.Literal(modelFormat),
    version: Type.Literal(modelFormatVersion),
    objective: Type.Union([Type.Literal('binary'), Type.Literal('regression')]),
    featureNames: Type.Array(Type.String()),
    baseScore: Type.Number(),
    trees: Type.Array(TreeJson),
    training: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
)

export function modelToJson(model: GbdtModel): object {
  const trees = Array.from({ length: model.treeCount }, (_, t) => {
    const tree = model.tree(t)
    return {
      feature: [...tree.feature],
      threshold: [...tree.threshold],
      defaultLeft: [...tree.defaultLeft],
      left: [...tree.left],
      right: [...tree.right],
      value: [...tree.value],
      cover: [...tree.cover],
      gain: [...tree.gain],
    }
  })
  return {
    format: modelFormat,
    version: modelFormatVersion,
    objective: model.objective,
    featureNames: model.featureNames,
    baseScore: model.baseScore,
    trees,
    ...(model.training ? { training: model.training } : {}),
  }
}

export const serializeModel = (model: GbdtModel) => JSON.stringify(modelToJson(model))

/** Reads a model from JSON text or a parsed value; throws `invalid_input` naming each problem by JSON pointer. */
export function loadModel(input: string | unknown): GbdtModel {
  const json = checkedDocument(input, GbdtModelJson, refused)
  const issues: FieldIssue[] = []
  if (new Set(json.featureNames).size !== json.featureNames.length) issues.push({ pointer: '/featureNames', code: 'invalid_model', message: 'has a name twice' })
  if (!Number.isFinite(json.baseScore)) issues.push({ pointer: '/baseScore', code: 'invalid_model', message: 'must be finite' })
  for (const [t, tree] of json.trees.entries()) issues.push(...treeIssues(tree, json.featureNames.length, `/trees/${t}`))
  if (issues.length > 0) throw refused(issues)
  return new GbdtModel({
    objective: json.objective,
    featureNames: json.featureNames,
    baseScore: json.baseScore,
    training: json.training,
    trees: json.trees.map(
      (tree): TreeArrays => ({
        feature: Int32Array.from(tree.feature),
        threshold: Float64Array.from(tree.threshold),
        defaultLeft: Uint8Array.from(tree.defaultLeft),
        left: Int32Array.from(tree.left),
        right: Int32Array.from(tree.right),
        value: Float64Array.from(tree.value),
        cover: Float64Array.from(tree.cover),
        gain: Float64Array.from(tree.gain),
      }),
    ),
  })
}

/** A tree must be one tree: arrays of one length, every node but the root reached from exactly one parent further up, leaves finite. */
function treeIssues(tree: typeof TreeJson.static, featureCount: number, at: string): FieldIssue[] {
  const issues: FieldIssue[] = []
  const issue = (pointer: string, message: string) => issues.push({ pointer: `${at}/${pointer}`, code: 'invalid_model', message })
  const n = tree.feature.length
  if (n === 0) issue('feature', 'a tree needs at least one node')
  for (const key of ['threshold', 'defaultLeft', 'left', 'right', 'value', 'cover', 'gain'] as const) {
    if (tree[key].length !== n) issue(key, `has ${tree[key].length} entries for ${n} nodes`)
  }
  if (issues.length > 0) return issues
  const parents = new Int32Array(n)
  for (let i = 0; i < n && issues.length < 20; i++) {
    const f = tree.feature[i]!
    if (!Number.isFinite(tree.value[i]!)) issue(`value/${i}`, 'must be finite')
    if (f === -1) {
      if (tree.left[i] !== -1 || tree.right[i] !== -1) issue(`left/${i}`, 'a leaf (feature −1) has children −1')
      continue
    }
    if (f < 0 || f >= featureCount) issue(`feature/${i}`, `must be −1 (a leaf) or a feature index below ${featureCount}`)
    if (Number.isNaN(tree.threshold[i]!)) issue(`threshold/${i}`, 'must be a number')
    for (const side of ['left', 'right'] as const) {
      const child = tree[side][i]!
      // children after their parent: no cycles, and every node reachable from the root
      if (!(child > i && child < n)) issue(`${side}/${i}`, `must be a node after ${i} and below ${n}`)
      else parents[child]!++
    }
  }
  for (let i = 1; i < n && issues.length === 0; i++) if (parents[i] !== 1) issue(`feature/${i}`, `node ${i} has ${parents[i]} parents; every node but the root has one`)
  return issues
}

const refused = (issues: FieldIssue[]) => new XiezhiError('invalid_input', `The model is not a valid ${modelFormat} v${modelFormatVersion}: ${issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}`, issues)
