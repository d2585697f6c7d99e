import { readFileSync } from 'node:fs'
import * as ort from 'onnxruntime-node'
import { encodeOnnxModel, type OnnxAttribute, type OnnxModelProto, onnxAttributeType, onnxDataType } from '../../src/models/import/onnx-proto.ts'

/**
 * Helpers for the ONNX tests: the fixtures, ONNX files built from a few
 * hand-made or random trees, and onnxruntime-node as the reference scorer.
 */
export const onnxFixture = (name: string) => readFileSync(new URL(`../fixtures/models/onnx/${name}`, import.meta.url))

/**
 * onnxruntime's score per row: the regressor's value, or the probability of
 * the second class (column 1 of a classifier's probabilities). One thread,
 * so that onnxruntime sums the trees in order whatever the batch size (its
 * multi-threaded paths split the trees into partial sums).
 */
export async function onnxruntimeScores(bytes: Uint8Array, rows: readonly (readonly number[])[], input: 'float' | 'double' = 'float', output?: string): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 })
  try {
    const width = rows[0]!.length
    const flat = rows.flat()
    const tensor = input === 'float' ? new ort.Tensor('float32', Float32Array.from(flat), [rows.length, width]) : new ort.Tensor('float64', Float64Array.from(flat), [rows.length, width])
    const name = output ?? session.outputNames[session.outputNames.length - 1]!
    const result = await session.run({ [session.inputNames[0]!]: tensor }, [name])
    const data = result[name]!.data as Float32Array | Float64Array
    const columns = data.length / rows.length
    return Float64Array.from({ length: rows.length }, (_, i) => data[i * columns + columns - 1]!)
  } finally {
    await session.release()
  }
}

/** A small seeded generator (mulberry32): the random models and rows replay from their seed. */
export function seeded(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  }
}

/** A tree as the tests write it: a split or a leaf, children nested. */
export type TestTree = { leaf: number } | { feature: number; mode: string; threshold: number; missingTracksTrue?: boolean; whenTrue: TestTree; whenFalse: TestTree }

const ints = (name: string, values: number[]): OnnxAttribute => ({ name, type: onnxAttributeType.ints, ints: values })
const floats = (name: string, values: number[]): OnnxAttribute => ({ name, type: onnxAttributeType.floats, floats: values })
const strings = (name: string, values: string[]): OnnxAttribute => ({ name, type: onnxAttributeType.strings, strings: values.map((s) => new TextEncoder().encode(s)) })
const text = (name: string, value: string): OnnxAttribute => ({ name, type: onnxAttributeType.string, s: new TextEncoder().encode(value) })
const int = (name: string, value: number): OnnxAttribute => ({ name, type: onnxAttributeType.int, i: value })
const doubles = (name: string, values: number[]): OnnxAttribute => {
  const raw = new Uint8Array(values.length * 8)
  const view = new DataView(raw.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true)
  return { name, type: onnxAttributeType.tensor, t: { dims: [values.length], dataType: onnxDataType.double, rawData: raw } }
}
const tensor = (name: string, type: 'float' | 'double' | 'uint8', values: number[]): OnnxAttribute => {
  if (type === 'double') return doubles(name, values)
  if (type === 'uint8') return { name, type: onnxAttributeType.tensor, t: { dims: [values.length], dataType: onnxDataType.uint8, int32Data: values } }
  return { name, type: onnxAttributeType.tensor, t: { dims: [values.length], dataType: onnxDataType.float, floatData: values } }
}

export interface EnsembleSpec {
  operator: 'TreeEnsembleRegressor' | 'TreeEnsembleClassifier' | 'TreeEnsemble'
  trees: TestTree[]
  features: number
  input?: 'float' | 'double'
  base?: number[]
  postTransform?: string
  aggregate?: string
  /** Write thresholds, weights and base as `*_as_tensor` doubles (ai.onnx.ml 3). */
  asTensor?: boolean
  classLabels?: number[]
  /** Extra attributes, replacing those of the same name. */
  attributes?: OnnxAttribute[]
  mlOpset?: number
  /** Nodes after the trees' score: e.g. a ZipMap. */
  after?: 'ZipMap' | 'Cast'
}

/** An ONNX file with one tree-ensemble node reading input X. */
export function ensembleModel(spec: EnsembleSpec): Uint8Array {
  const input = spec.input ?? 'float'
  const elem = input === 'float' ? onnxDataType.float : onnxDataType.double
  const attributes = spec.operator === 'TreeEnsemble' ? attributes5(spec, input) : attributes3(spec)
  const names = new Set((spec.attributes ?? []).map((a) => a.name))
  const node = { opType: spec.operator, domain: 'ai.onnx.ml', input: ['X'], output: spec.operator === 'TreeEnsembleClassifier' ? ['label', 'scores'] : ['scores'], attribute: [...attributes.filter((a) => !names.has(a.name)), ...(spec.attributes ?? [])] }
  const tensorType = (elemType: number, dims: number[]) => ({ tensorType: { elemType, shape: { dim: dims.map((d) => (d < 0 ? { dimParam: 'N' } : { dimValue: d })) } } })
  const outputType = spec.operator === 'TreeEnsemble' ? elem : onnxDataType.float
  const width = spec.operator === 'TreeEnsembleClassifier' ? 2 : 1
  const nodes = [node] as NonNullable<OnnxModelProto['graph']>['node'] & object[]
  const outputs = [] as NonNullable<NonNullable<OnnxModelProto['graph']>['output']>
  if (spec.operator === 'TreeEnsembleClassifier') outputs.push({ name: 'label', type: tensorType(onnxDataType.int64, [-1]) })
  if (spec.after === 'ZipMap') {
    nodes.push({ opType: 'ZipMap', domain: 'ai.onnx.ml', input: ['scores'], output: ['Y'], attribute: [ints('classlabels_int64s', spec.classLabels ?? [0, 1])] })
    outputs.push({ name: 'Y', type: { sequenceType: { elemType: { mapType: { keyType: onnxDataType.int64, valueType: { tensorType: { elemType: onnxDataType.float } } } } } } })
  } else if (spec.after === 'Cast') {
    nodes.push({ opType: 'Cast', domain: '', input: ['scores'], output: ['Y'], attribute: [int('to', onnxDataType.double)] })
    outputs.push({ name: 'Y', type: tensorType(onnxDataType.double, [-1, width]) })
  } else {
    outputs.push({ name: 'scores', type: tensorType(outputType, [-1, width]) })
  }
  return encodeOnnxModel({
    irVersion: 8,
    producerName: 'xiezhi-test',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: spec.mlOpset ?? (spec.operator === 'TreeEnsemble' ? 5 : 3) },
    ],
    graph: { name: 'trees', node: nodes, input: [{ name: 'X', type: tensorType(elem, [-1, spec.features]) }], output: outputs },
  })
}

/** The parallel `nodes_*` lists of TreeEnsembleRegressor/Classifier, each tree numbered depth first. */
function attributes3(spec: EnsembleSpec): OnnxAttribute[] {
  const lists = { tree: [] as number[], node: [] as number[], feature: [] as number[], mode: [] as string[], value: [] as number[], whenTrue: [] as number[], whenFalse: [] as number[], missing: [] as number[] }
  const leaves = { tree: [] as number[], node: [] as number[], weight: [] as number[] }
  spec.trees.forEach((tree, t) => {
    let next = 0
    const add = (node: TestTree): number => {
      const id = next++
      const at = lists.tree.length
      lists.tree.push(t)
      lists.node.push(id)
      if ('leaf' in node) {
        lists.feature.push(0)
        lists.mode.push('LEAF')
        lists.value.push(0)
        lists.whenTrue.push(0)
        lists.whenFalse.push(0)
        lists.missing.push(0)
        leaves.tree.push(t)
        leaves.node.push(id)
        leaves.weight.push(node.leaf)
        return id
      }
      lists.feature.push(node.feature)
      lists.mode.push(node.mode)
      lists.value.push(node.threshold)
      lists.whenTrue.push(-1)
      lists.whenFalse.push(-1)
      lists.missing.push(node.missingTracksTrue ? 1 : 0)
      lists.whenTrue[at] = add(node.whenTrue)
      lists.whenFalse[at] = add(node.whenFalse)
      return id
    }
    add(tree)
  })
  const classifier = spec.operator === 'TreeEnsembleClassifier'
  const prefix = classifier ? 'class' : 'target'
  const numbers = (name: string, values: number[]) => (spec.asTensor ? doubles(`${name}_as_tensor`, values) : floats(name, values))
  return [
    ints('nodes_treeids', lists.tree),
    ints('nodes_nodeids', lists.node),
    ints('nodes_featureids', lists.feature),
    strings('nodes_modes', lists.mode),
    numbers('nodes_values', lists.value),
    ints('nodes_truenodeids', lists.whenTrue),
    ints('nodes_falsenodeids', lists.whenFalse),
    ints('nodes_missing_value_tracks_true', lists.missing),
    ints(`${prefix}_treeids`, leaves.tree),
    ints(`${prefix}_nodeids`, leaves.node),
    ints(`${prefix}_ids`, leaves.tree.map(() => 0)),
    numbers(`${prefix}_weights`, leaves.weight),
    ...(spec.base ? [numbers('base_values', spec.base)] : []),
    text('post_transform', spec.postTransform ?? (classifier ? 'LOGISTIC' : 'NONE')),
    ...(classifier ? [ints('classlabels_int64s', spec.classLabels ?? [0, 1])] : [int('n_targets', 1), text('aggregate_function', spec.aggregate ?? 'SUM')]),
  ]
}

const modeCodes: Record<string, number> = { BRANCH_LEQ: 0, BRANCH_LT: 1, BRANCH_GTE: 2, BRANCH_GT: 3, BRANCH_EQ: 4, BRANCH_NEQ: 5, BRANCH_MEMBER: 6 }

/** TreeEnsemble (ai.onnx.ml 5): splits and leaves in separate lists, children by index with a leaf flag. */
function attributes5(spec: EnsembleSpec, input: 'float' | 'double'): OnnxAttribute[] {
  const splits = { mode: [] as number[], feature: [] as number[], value: [] as number[], whenTrue: [] as number[], trueLeaf: [] as number[], whenFalse: [] as number[], falseLeaf: [] as number[], missing: [] as number[] }
  const leaves: number[] = []
  const roots: number[] = []
  const add = (node: TestTree): { id: number; leaf: number } => {
    if ('leaf' in node) {
      leaves.push(node.leaf)
      return { id: leaves.length - 1, leaf: 1 }
    }
    const at = splits.mode.length
    splits.mode.push(modeCodes[node.mode]!)
    splits.feature.push(node.feature)
    splits.value.push(node.threshold)
    splits.missing.push(node.missingTracksTrue ? 1 : 0)
    for (const list of [splits.whenTrue, splits.trueLeaf, splits.whenFalse, splits.falseLeaf]) list.push(0)
    const t = add(node.whenTrue)
    const f = add(node.whenFalse)
    splits.whenTrue[at] = t.id
    splits.trueLeaf[at] = t.leaf
    splits.whenFalse[at] = f.id
    splits.falseLeaf[at] = f.leaf
    return { id: at, leaf: 0 }
  }
  for (const tree of spec.trees) roots.push(add(tree).id)
  return [
    tensor('nodes_modes', 'uint8', splits.mode),
    ints('nodes_featureids', splits.feature),
    tensor('nodes_splits', input, splits.value),
    ints('nodes_truenodeids', splits.whenTrue),
    ints('nodes_trueleafs', splits.trueLeaf),
    ints('nodes_falsenodeids', splits.whenFalse),
    ints('nodes_falseleafs', splits.falseLeaf),
    ints('nodes_missing_value_tracks_true', splits.missing),
    ints('tree_roots', roots),
    ints('leaf_targetids', leaves.map(() => 0)),
    tensor('leaf_weights', input, leaves),
    int('n_targets', 1),
    int('aggregate_function', 1),
    int('post_transform', 0),
  ]
}
