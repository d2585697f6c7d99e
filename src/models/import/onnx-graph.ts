import type { FieldIssue } from '../../core/errors.ts'
import type { ImportIssueCode } from './imported-model.ts'
import {
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModelProto,
  type OnnxNode,
  type OnnxType,
  onnxAttributeType,
  onnxDataType,
  onnxString,
  tensorValues,
} from './onnx-proto.ts'

/**
 * An ONNX tree ensemble, read from the graph and put in one form whatever
 * operator held it: `ai.onnx.ml` TreeEnsembleRegressor and
 * TreeEnsembleClassifier (opsets 1 and 3, what onnxmltools and skl2onnx
 * write for XGBoost, LightGBM and scikit-learn) or TreeEnsemble (opset 5).
 *
 * Only what onnxruntime scores as one number per row is kept: a regressor
 * with one target, or a binary classifier whose leaves all vote for one
 * class with a LOGISTIC transform (the score of the second class is then
 * the sigmoid of the sum). Every tree lists its nodes from the root, in the
 * order onnxruntime walks the trees; a split says which way a row goes in
 * onnxruntime's own terms (mode, threshold, where NaN goes).
 */
export interface OnnxEnsemble {
  /** e.g. `ai.onnx.ml.TreeEnsembleClassifier` */
  operator: string
  /** The `ai.onnx.ml` opset the model imports. */
  opset: number
  task: 'regression' | 'binary'
  /** The element type the trees compare: onnxruntime casts nothing, a float input is compared as float32. */
  inputType: 'float' | 'double'
  /** onnxruntime's accumulator: float32 when the thresholds are float, else double. */
  arithmetic: 'float32' | 'float64'
  /** The score leaves the graph as float32 (TreeEnsembleRegressor/Classifier always; TreeEnsemble for a float input, or after a Cast). */
  outputFloat32: boolean
  featureCount: number
  /** Added after the trees (onnxruntime's order); 0 when the model has none. */
  baseValue: number
  classLabels?: (number | string)[]
  trees: EnsembleTree[]
  notes: Record<string, unknown>
}

export type SplitMode = 'BRANCH_LEQ' | 'BRANCH_LT' | 'BRANCH_GTE' | 'BRANCH_GT'

export type EnsembleNode =
  | { leaf: false; feature: number; mode: SplitMode; threshold: number; whenTrue: number; whenFalse: number; missingTracksTrue: boolean; pointer: string }
  | { leaf: true; weight: number; pointer: string }

/** One tree: node 0 is the root; children are indices into `nodes`. */
export interface EnsembleTree {
  nodes: EnsembleNode[]
}

const treeOperators = new Set(['TreeEnsembleRegressor', 'TreeEnsembleClassifier', 'TreeEnsemble'])
const mlDomain = 'ai.onnx.ml'
/** Operators that may surround the trees: they pass values on (a Cast changes their type, which the reader follows). */
const passThrough = new Set(['Identity', 'Cast'])

type Issues = FieldIssue[]
const fail = (issues: Issues, pointer: string, code: ImportIssueCode, message: string) => {
  issues.push({ pointer, code, message })
}

/** Reads the one tree ensemble of the model; problems are added to `issues` (nothing is returned when there are any). */
export function readOnnxEnsemble(model: OnnxModelProto, featureCount: number | undefined, issues: Issues): OnnxEnsemble | undefined {
  const graph = model.graph
  if (!graph) {
    fail(issues, '/graph', 'invalid_model', 'is missing: the file is not an ONNX model')
    return undefined
  }
  const mlOpset = (model.opsetImport ?? []).find((o) => o.domain === mlDomain)?.version
  const nodes = graph.node ?? []
  const trees = nodes.flatMap((node, i) => (treeOperators.has(node.opType ?? '') && node.domain === mlDomain ? [i] : []))
  if (trees.length === 0) {
    const ops = [...new Set(nodes.map((n) => (n.domain ? `${n.domain}.${n.opType}` : n.opType)))].slice(0, 12).join(', ')
    fail(issues, '/graph/node', 'unsupported_model', `has no tree ensemble (ai.onnx.ml TreeEnsembleRegressor, TreeEnsembleClassifier or TreeEnsemble); its operators are ${ops || 'none'}. Neural networks, linear models and other graphs are not imported`)
    return undefined
  }
  if (trees.length > 1) {
    fail(issues, `/graph/node/${trees[1]}`, 'unsupported_model', `is a second tree ensemble (nodes ${trees.join(', ')}): a model split into several ensembles (onnxmltools' split option) or a stack of models is not imported`)
    return undefined
  }
  const at = trees[0]!
  const node = nodes[at]!
  const pointer = `/graph/node/${at}`
  const operator = node.opType!
  if (mlOpset === undefined) fail(issues, '/opset_import', 'invalid_model', `does not import the ${mlDomain} domain that ${operator} belongs to`)
  const flow = readFlow(graph, node, at, issues)
  if (!flow) return undefined
  const attributes = new Attributes(node, pointer, issues)
  const read = operator === 'TreeEnsemble' ? readTreeEnsemble5(attributes, flow.inputType) : readTreeEnsemble3(operator, attributes, flow.inputType)
  if (!read || issues.length > 0) return undefined
  const width = flow.inputWidth ?? featureCount ?? maxFeature(read.trees) + 1
  if (flow.inputWidth !== undefined && featureCount !== undefined && featureCount !== flow.inputWidth) {
    fail(issues, '/featureNames', 'invalid_model', `names ${featureCount} features, the model's input has ${flow.inputWidth} columns`)
  }
  const widest = maxFeature(read.trees)
  if (widest >= width) fail(issues, `${pointer}/nodes_featureids`, 'invalid_model', `splits on feature ${widest}, the input has ${width} columns`)
  if (issues.length > 0) return undefined
  return {
    operator: `${mlDomain}.${operator}`,
    opset: mlOpset ?? 0,
    task: read.task,
    inputType: flow.inputType,
    arithmetic: flow.inputType === 'double' ? 'float64' : 'float32',
    outputFloat32: operator !== 'TreeEnsemble' || flow.inputType === 'float' || flow.castToFloat,
    featureCount: width,
    baseValue: read.baseValue,
    ...(read.classLabels ? { classLabels: read.classLabels } : {}),
    trees: read.trees,
    notes: { scoreOutput: flow.output, ...read.notes },
  }
}

/** The highest feature index split on (−1 for none); a loop, as a model may have more nodes than a spread can pass. */
function maxFeature(trees: EnsembleTree[]): number {
  let widest = -1
  for (const tree of trees) for (const node of tree.nodes) if (!node.leaf && node.feature > widest) widest = node.feature
  return widest
}

interface Flow {
  inputType: 'float' | 'double'
  inputWidth: number | undefined
  /** The graph output that carries the score. */
  output: string
  /** A Cast to float on the way out rounds a double score. */
  castToFloat: boolean
}

/**
 * The values' way through the graph: from the one input, through Identity
 * and Cast nodes, into the trees; from the trees' score output, through
 * Identity, Cast and ZipMap, to an output. Any other operator is refused:
 * a scaler or an imputer before the trees would change what they see.
 */
function readFlow(graph: OnnxGraph, tree: OnnxNode, treeAt: number, issues: Issues): Flow | undefined {
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name))
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name))
  if (inputs.length !== 1) {
    const names = inputs.map((v) => v.name).join(', ')
    fail(issues, '/graph/input', 'unsupported_model', `has ${inputs.length} inputs (${names}): only a model reading one tensor of all features is imported`)
    return undefined
  }
  const input = inputs[0]!
  const inputType = elementType(input.type)
  if (inputType === undefined) {
    fail(issues, '/graph/input/0', 'unsupported_model', `${input.name} is not a tensor of float or double (features are numbers: float or double)`)
    return undefined
  }
  const dims = input.type?.tensorType?.shape?.dim
  if (dims && dims.length !== 2) fail(issues, '/graph/input/0', 'unsupported_model', `${input.name} has ${dims.length} dimensions, not [rows, features]`)
  const inputWidth = dims?.[1]?.dimValue ? dims[1].dimValue : undefined

  const producers = new Map<string, number>()
  const nodes = graph.node ?? []
  nodes.forEach((n, i) => {
    for (const out of n.output ?? []) producers.set(out, i)
  })
  const consumers = (name: string) => nodes.flatMap((n, i) => ((n.input ?? []).includes(name) ? [i] : []))
  const used = new Set<number>([treeAt])

  // backwards from the trees to the graph input: the type the trees compare is the last one on the way
  let name = tree.input?.[0] ?? ''
  let treeInput: 'float' | 'double' | undefined
  let throughFloat = inputType === 'float'
  const chain: string[] = []
  while (name !== input.name) {
    const at = producers.get(name)
    const node = at === undefined ? undefined : nodes[at]
    if (at === undefined || !node || !passThrough.has(node.opType ?? '') || node.domain) {
      const what = node ? `${node.domain ? `${node.domain}.` : ''}${node.opType} (node ${at})` : `"${name}", which no node makes and is not the input`
      fail(issues, at === undefined ? `/graph/node/${treeAt}/input/0` : `/graph/node/${at}`, 'unsupported_model', `the trees read ${what}: only Identity and Cast may stand between the input and the trees (a scaler, imputer or encoder before them is not imported)`)
      return undefined
    }
    used.add(at)
    if (node.opType === 'Cast') {
      const to = castTarget(node)
      if (to === undefined) {
        fail(issues, `/graph/node/${at}`, 'unsupported_model', 'casts the features to a type other than float or double')
        return undefined
      }
      treeInput ??= to
      if (to === 'float') throughFloat = true
    }
    chain.push(name)
    name = node.input?.[0] ?? ''
    if (chain.length > nodes.length) {
      fail(issues, `/graph/node/${at}`, 'invalid_model', 'is on a cycle: the nodes before the trees never reach the input')
      return undefined
    }
  }
  const compared = treeInput ?? inputType
  if (compared === 'double' && throughFloat) {
    fail(issues, '/graph/input/0', 'unsupported_model', 'the features are rounded to float and then compared as double: not imported')
    return undefined
  }

  // forwards from the score output to a graph output
  const scoreIndex = tree.opType === 'TreeEnsembleClassifier' ? 1 : 0
  const outputs = new Set((graph.output ?? []).map((v) => v.name))
  const followed = new Set<number>()
  const follow = (from: string, castToFloat: boolean): { output: string; castToFloat: boolean } | undefined => {
    if (outputs.has(from)) return { output: from, castToFloat }
    for (const at of consumers(from)) {
      const node = nodes[at]!
      const op = node.opType ?? ''
      if (followed.has(at) || !((passThrough.has(op) && !node.domain) || (op === 'ZipMap' && node.domain === mlDomain))) continue
      followed.add(at)
      used.add(at)
      const found = follow(node.output?.[0] ?? '', castToFloat || (op === 'Cast' && castTarget(node) === 'float'))
      if (found) return found
    }
    return undefined
  }
  const score = follow(tree.output?.[scoreIndex] ?? '', false)
  if (!score) {
    fail(issues, `/graph/node/${treeAt}/output/${scoreIndex}`, 'unsupported_model', "the trees' scores reach no output of the graph through Identity, Cast or ZipMap")
    return undefined
  }
  // the label output of a classifier may go out too; anything else in the graph is an operator the import does not run
  if (scoreIndex === 1) follow(tree.output?.[0] ?? '', false)
  const others = nodes.flatMap((n, i) => (used.has(i) ? [] : [`${n.domain ? `${n.domain}.` : ''}${n.opType} (node ${i})`]))
  if (others.length > 0) {
    fail(issues, '/graph/node', 'unsupported_model', `has operators besides the trees that the import cannot run: ${others.slice(0, 8).join(', ')}`)
    return undefined
  }
  return { inputType: compared, inputWidth, output: score.output, castToFloat: score.castToFloat }
}

function elementType(type: OnnxType | undefined): 'float' | 'double' | undefined {
  const element = type?.tensorType?.elemType
  return element === onnxDataType.float ? 'float' : element === onnxDataType.double ? 'double' : undefined
}

function castTarget(node: OnnxNode): 'float' | 'double' | undefined {
  const to = (node.attribute ?? []).find((a) => a.name === 'to')?.i
  return to === onnxDataType.float ? 'float' : to === onnxDataType.double ? 'double' : undefined
}

/** A node's attributes by name, each read as the type it must have; a wrong type is an `invalid_model` issue. */
class Attributes {
  private readonly byName = new Map<string, OnnxAttribute>()
  constructor(
    node: OnnxNode,
    readonly pointer: string,
    readonly issues: Issues,
  ) {
    for (const a of node.attribute ?? []) this.byName.set(a.name ?? '', a)
  }

  has(name: string): boolean {
    return this.byName.has(name)
  }

  names(): string[] {
    return [...this.byName.keys()]
  }

  private typed(name: string, type: number, what: string): OnnxAttribute | undefined {
    const a = this.byName.get(name)
    if (!a) return undefined
    if (a.type !== undefined && a.type !== type) {
      fail(this.issues, `${this.pointer}/${name}`, 'invalid_model', `must be ${what}`)
      return undefined
    }
    return a
  }

  ints(name: string): number[] | undefined {
    const a = this.typed(name, onnxAttributeType.ints, 'a list of integers')
    if (!a) return undefined
    const values = a.ints ?? []
    const bad = values.findIndex((v) => !Number.isSafeInteger(v))
    if (bad >= 0) fail(this.issues, `${this.pointer}/${name}/${bad}`, 'invalid_model', 'is not an integer JavaScript can hold')
    return values
  }

  floats(name: string): number[] | undefined {
    return this.typed(name, onnxAttributeType.floats, 'a list of floats')?.floats ?? (this.byName.has(name) ? [] : undefined)
  }

  strings(name: string): string[] | undefined {
    const a = this.typed(name, onnxAttributeType.strings, 'a list of strings')
    return a ? (a.strings ?? []).map(onnxString) : undefined
  }

  string(name: string): string | undefined {
    const a = this.typed(name, onnxAttributeType.string, 'a string')
    return a ? onnxString(a.s) : undefined
  }

  int(name: string): number | undefined {
    const a = this.typed(name, onnxAttributeType.int, 'an integer')
    return a ? (a.i ?? 0) : undefined
  }

  /** A tensor attribute's values and element type. */
  tensor(name: string): { values: number[]; type: number } | undefined {
    const a = this.typed(name, onnxAttributeType.tensor, 'a tensor')
    if (!a) return undefined
    const t = a.t ?? {}
    if (t.dataLocation === 1) {
      fail(this.issues, `${this.pointer}/${name}`, 'unsupported_model', 'keeps its data in an external file: save the model with its data inside')
      return undefined
    }
    const values = tensorValues(t)
    if (!values) {
      fail(this.issues, `${this.pointer}/${name}`, 'invalid_model', `is a tensor of element type ${t.dataType}, not a number type`)
      return undefined
    }
    return { values, type: t.dataType ?? 0 }
  }
}

interface ReadEnsemble {
  task: 'regression' | 'binary'
  baseValue: number
  classLabels?: (number | string)[]
  trees: EnsembleTree[]
  notes: Record<string, unknown>
}

const splitModes = new Set<string>(['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT'])
const refusedModes: Record<string, string> = {
  BRANCH_EQ: 'an equality split (BRANCH_EQ, as converters write categorical splits) has no x ≤ threshold form',
  BRANCH_NEQ: 'an inequality split (BRANCH_NEQ) has no x ≤ threshold form',
  BRANCH_MEMBER: 'a set-membership split (BRANCH_MEMBER, categorical) has no x ≤ threshold form',
}

/**
 * TreeEnsembleRegressor and TreeEnsembleClassifier (ai.onnx.ml 1 and 3):
 * parallel `nodes_*` lists over every tree's nodes, trees told apart by
 * `nodes_treeids`; the leaves' values in `target_*` / `class_*` lists.
 * onnxruntime takes the first node of each run of one tree id as that
 * tree's root, and walks the trees in that order.
 */
function readTreeEnsemble3(operator: string, a: Attributes, inputType: 'float' | 'double'): ReadEnsemble | undefined {
  const { pointer, issues } = a
  const classifier = operator === 'TreeEnsembleClassifier'
  const prefix = classifier ? 'class' : 'target'
  const aggregate = a.string('aggregate_function') ?? 'SUM'
  const transform = a.string('post_transform') ?? 'NONE'
  if (aggregate !== 'SUM') {
    fail(issues, `${pointer}/aggregate_function`, 'unsupported_model', `is ${aggregate}: only SUM (boosted trees) is imported; random forests average their trees`)
  }
  // the double-precision forms of the lists, used instead of the float ones when given
  const asTensor = (name: string) => (a.has(`${name}_as_tensor`) ? a.tensor(`${name}_as_tensor`)?.values : undefined)
  for (const name of ['nodes_values', 'base_values', `${prefix}_weights`]) {
    if (a.has(`${name}_as_tensor`) && inputType === 'float') {
      fail(issues, `${pointer}/${name}_as_tensor`, 'unsupported_model', 'holds doubles while the input is float: give a double input or the float list')
    }
  }
  const treeIds = a.ints('nodes_treeids') ?? []
  const nodeIds = a.ints('nodes_nodeids') ?? []
  const features = a.ints('nodes_featureids') ?? []
  const modes = a.strings('nodes_modes') ?? []
  const values = asTensor('nodes_values') ?? a.floats('nodes_values') ?? []
  const trueIds = a.ints('nodes_truenodeids') ?? []
  const falseIds = a.ints('nodes_falsenodeids') ?? []
  const missing = a.ints('nodes_missing_value_tracks_true') ?? []
  const n = treeIds.length
  for (const [name, list] of [
    ['nodes_nodeids', nodeIds],
    ['nodes_featureids', features],
    ['nodes_modes', modes],
    ['nodes_values', values],
    ['nodes_truenodeids', trueIds],
    ['nodes_falsenodeids', falseIds],
  ] as const) {
    if (list.length !== n) fail(issues, `${pointer}/${name}`, 'invalid_model', `has ${list.length} entries, nodes_treeids ${n}`)
  }
  if (missing.length !== 0 && missing.length !== n) fail(issues, `${pointer}/nodes_missing_value_tracks_true`, 'invalid_model', `has ${missing.length} entries, nodes_treeids ${n}`)
  const weightTrees = a.ints(`${prefix}_treeids`) ?? []
  const weightNodes = a.ints(`${prefix}_nodeids`) ?? []
  const weightIds = a.ints(`${prefix}_ids`) ?? []
  const weights = asTensor(`${prefix}_weights`) ?? a.floats(`${prefix}_weights`) ?? []
  for (const [name, list] of [
    [`${prefix}_nodeids`, weightNodes],
    [`${prefix}_ids`, weightIds],
    [`${prefix}_weights`, weights],
  ] as const) {
    if (list.length !== weightTrees.length) fail(issues, `${pointer}/${name}`, 'invalid_model', `has ${list.length} entries, ${prefix}_treeids ${weightTrees.length}`)
  }
  if (n === 0) fail(issues, `${pointer}/nodes_treeids`, 'invalid_model', 'is empty: the ensemble has no tree')
  const base = asTensor('base_values') ?? a.floats('base_values') ?? []
  let classLabels: (number | string)[] | undefined
  let task: 'regression' | 'binary' = 'regression'
  if (classifier) {
    classLabels = a.has('classlabels_strings') ? a.strings('classlabels_strings') : a.ints('classlabels_int64s')
    task = 'binary'
    if (classLabels?.length !== 2) {
      fail(issues, `${pointer}/classlabels_int64s`, 'unsupported_model', `names ${classLabels?.length ?? 0} classes: only binary classifiers are imported`)
    }
    if (transform !== 'LOGISTIC') {
      fail(issues, `${pointer}/post_transform`, 'unsupported_model', `is ${transform}: a binary classifier is imported with LOGISTIC (its score is the sigmoid of the trees' sum)`)
    }
    const other = weightIds.findIndex((c) => c !== 0)
    if (other >= 0) {
      fail(issues, `${pointer}/class_ids/${other}`, 'unsupported_model', `is ${weightIds[other]}: every leaf must vote for class 0 alone (one score per leaf, as the converters of XGBoost, LightGBM and scikit-learn's gradient boosting write it); per-class leaf values (random forests, decision trees) are not imported`)
    }
    if (base.length > 1) fail(issues, `${pointer}/base_values`, 'unsupported_model', `has ${base.length} values: a binary classifier with one score has at most one`)
  } else {
    const targets = a.int('n_targets') ?? 1
    if (targets !== 1) fail(issues, `${pointer}/n_targets`, 'unsupported_model', `is ${targets}: only one target is imported`)
    if (transform !== 'NONE') fail(issues, `${pointer}/post_transform`, 'unsupported_model', `is ${transform}: a regressor is imported without a transform (NONE); onnxruntime leaves a single target's sum untransformed whatever post_transform says`)
    const other = weightIds.findIndex((c) => c !== 0)
    if (other >= 0) fail(issues, `${pointer}/target_ids/${other}`, 'unsupported_model', `is ${weightIds[other]}: only target 0 is imported`)
    if (base.length > 1) fail(issues, `${pointer}/base_values`, 'unsupported_model', `has ${base.length} values for one target`)
  }
  if (issues.length > 0) return undefined

  // onnxruntime keeps thresholds, weights and the base in the input's type: float32 for a float input
  const number = inputType === 'float' ? Math.fround : (x: number) => x
  const index = new Map<string, number>()
  const key = (tree: number, node: number) => `${tree}/${node}`
  treeIds.forEach((t, i) => {
    if (index.has(key(t, nodeIds[i]!))) fail(issues, `${pointer}/nodes_nodeids/${i}`, 'invalid_model', `repeats node ${nodeIds[i]} of tree ${t}`)
    index.set(key(t, nodeIds[i]!), i)
  })
  // the leaves' weights, in onnxruntime's order: sorted by (tree, node), then as listed
  const leafWeights = new Map<number, number[]>()
  let ignored = 0
  const order = weightTrees.map((_, i) => i).sort((x, y) => weightTrees[x]! - weightTrees[y]! || weightNodes[x]! - weightNodes[y]! || x - y)
  for (const i of order) {
    const at = index.get(key(weightTrees[i]!, weightNodes[i]!))
    if (at === undefined) {
      fail(issues, `${pointer}/${prefix}_nodeids/${i}`, 'invalid_model', `names node ${weightNodes[i]} of tree ${weightTrees[i]}, which the tree does not have`)
      continue
    }
    // onnxruntime ignores a weight on a split (old onnxmltools wrote some)
    if (modes[at] !== 'LEAF') {
      ignored++
      continue
    }
    leafWeights.set(at, [...(leafWeights.get(at) ?? []), number(weights[i]!)])
  }
  const roots: number[] = []
  const seenTrees = new Set<number>()
  treeIds.forEach((t, i) => {
    if (i > 0 && treeIds[i - 1] === t) return
    if (seenTrees.has(t)) fail(issues, `${pointer}/nodes_treeids/${i}`, 'invalid_model', `lists tree ${t} again after other trees: a tree's nodes must be listed together`)
    seenTrees.add(t)
    roots.push(i)
  })
  if (issues.length > 0) return undefined

  const trees = roots.map((root) =>
    walkTree(root, pointer, issues, (i) => {
      const at = `${pointer}/nodes_modes/${i}`
      const mode = modes[i]!
      if (mode === 'LEAF') {
        const w = leafWeights.get(i) ?? []
        if (w.length === 0) return { fail: [at, 'invalid_model', `node ${nodeIds[i]} of tree ${treeIds[i]} is a leaf without a ${prefix} weight`] }
        if (w.length > 1) return { fail: [at, 'unsupported_model', `node ${nodeIds[i]} of tree ${treeIds[i]} is a leaf with ${w.length} weights: onnxruntime scores one`] }
        return { node: { leaf: true, weight: w[0]!, pointer: at } }
      }
      if (!splitModes.has(mode)) return { fail: [at, 'unsupported_model', refusedModes[mode] ?? `${mode} is not a split mode ONNX knows`] }
      const child = (id: number, side: string) => {
        const found = index.get(key(treeIds[i]!, id))
        if (found === undefined) issues.push({ pointer: `${pointer}/nodes_${side}nodeids/${i}`, code: 'invalid_model', message: `names node ${id}, which tree ${treeIds[i]} does not have` })
        return found ?? -1
      }
      return {
        node: { leaf: false, feature: features[i]!, mode: mode as SplitMode, threshold: number(values[i]!), whenTrue: child(trueIds[i]!, 'true'), whenFalse: child(falseIds[i]!, 'false'), missingTracksTrue: missing[i] === 1, pointer: at },
      }
    }),
  )
  if (issues.length > 0 || trees.some((t) => !t)) return undefined
  return {
    task,
    baseValue: base.length === 1 ? number(base[0]!) : 0,
    ...(classLabels ? { classLabels } : {}),
    trees: trees as EnsembleTree[],
    notes: { treeCount: roots.length, ...(ignored > 0 ? { ignoredSplitWeights: ignored } : {}) },
  }
}

const modes5: readonly string[] = ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT', 'BRANCH_EQ', 'BRANCH_NEQ', 'BRANCH_MEMBER']
const transforms5: readonly string[] = ['NONE', 'SOFTMAX', 'LOGISTIC', 'SOFTMAX_ZERO', 'PROBIT']
const aggregates5: readonly string[] = ['AVERAGE', 'SUM', 'MIN', 'MAX']

/**
 * TreeEnsemble (ai.onnx.ml 5): splits in `nodes_*` lists, leaves in
 * `leaf_*` lists, each child named by index and a flag saying whether it is
 * a leaf; `tree_roots` lists the trees in order. A regressor: one target,
 * no transform, SUM.
 */
function readTreeEnsemble5(a: Attributes, inputType: 'float' | 'double'): ReadEnsemble | undefined {
  const { pointer, issues } = a
  const aggregate = aggregates5[a.int('aggregate_function') ?? 1] ?? 'unknown'
  const transform = transforms5[a.int('post_transform') ?? 0] ?? 'unknown'
  const targets = a.int('n_targets')
  if (aggregate !== 'SUM') fail(issues, `${pointer}/aggregate_function`, 'unsupported_model', `is ${aggregate}: only SUM (boosted trees) is imported`)
  if (transform !== 'NONE') fail(issues, `${pointer}/post_transform`, 'unsupported_model', `is ${transform}: a TreeEnsemble is imported as a regressor without a transform (NONE)`)
  if (targets !== 1) fail(issues, `${pointer}/n_targets`, 'unsupported_model', `is ${targets ?? 'missing'}: only one target is imported`)
  const modes = a.tensor('nodes_modes')?.values ?? []
  const splits = a.tensor('nodes_splits')
  const features = a.ints('nodes_featureids') ?? []
  const trueIds = a.ints('nodes_truenodeids') ?? []
  const falseIds = a.ints('nodes_falsenodeids') ?? []
  const trueLeafs = a.ints('nodes_trueleafs') ?? []
  const falseLeafs = a.ints('nodes_falseleafs') ?? []
  const missing = a.ints('nodes_missing_value_tracks_true') ?? []
  const roots = a.ints('tree_roots') ?? []
  const leafTargets = a.ints('leaf_targetids') ?? []
  const leafWeights = a.tensor('leaf_weights')
  const n = modes.length
  for (const [name, length] of [
    ['nodes_splits', splits?.values.length ?? 0],
    ['nodes_featureids', features.length],
    ['nodes_truenodeids', trueIds.length],
    ['nodes_falsenodeids', falseIds.length],
    ['nodes_trueleafs', trueLeafs.length],
    ['nodes_falseleafs', falseLeafs.length],
  ] as const) {
    if (length !== n) fail(issues, `${pointer}/${name}`, 'invalid_model', `has ${length} entries, nodes_modes ${n}`)
  }
  if (missing.length !== 0 && missing.length !== n) fail(issues, `${pointer}/nodes_missing_value_tracks_true`, 'invalid_model', `has ${missing.length} entries, nodes_modes ${n}`)
  if ((leafWeights?.values.length ?? 0) !== leafTargets.length) fail(issues, `${pointer}/leaf_weights`, 'invalid_model', `has ${leafWeights?.values.length ?? 0} entries, leaf_targetids ${leafTargets.length}`)
  const other = leafTargets.findIndex((t) => t !== 0)
  if (other >= 0) fail(issues, `${pointer}/leaf_targetids/${other}`, 'unsupported_model', `is ${leafTargets[other]}: only target 0 is imported`)
  const wanted = inputType === 'float' ? onnxDataType.float : onnxDataType.double
  for (const [name, tensor] of [
    ['nodes_splits', splits],
    ['leaf_weights', leafWeights],
  ] as const) {
    if (tensor && tensor.type !== wanted) fail(issues, `${pointer}/${name}`, 'invalid_model', `is a tensor of type ${tensor.type}; the input's type ${inputType} is needed`)
  }
  if (roots.length === 0) fail(issues, `${pointer}/tree_roots`, 'invalid_model', 'is empty: the ensemble has no tree')
  if (issues.length > 0) return undefined
  const number = inputType === 'float' ? Math.fround : (x: number) => x

  // one index space for the walk: splits 0..n-1, leaves n..
  const trees = roots.map((root, r) => {
    if (root < 0 || root >= n) {
      fail(issues, `${pointer}/tree_roots/${r}`, 'invalid_model', `is ${root}, not a node`)
      return undefined
    }
    return walkTree(root, pointer, issues, (i) => {
      if (i >= n) {
        const leaf = i - n
        return { node: { leaf: true, weight: number(leafWeights!.values[leaf]!), pointer: `${pointer}/leaf_weights/${leaf}` } }
      }
      const at = `${pointer}/nodes_modes/${i}`
      const mode = modes5[modes[i]!] ?? `mode ${modes[i]}`
      if (!splitModes.has(mode)) return { fail: [at, 'unsupported_model', refusedModes[mode] ?? `${mode} is not a split mode ONNX knows`] }
      const child = (id: number, isLeaf: number, side: string) => {
        const limit = isLeaf ? leafTargets.length : n
        if (id < 0 || id >= limit) {
          issues.push({ pointer: `${pointer}/nodes_${side}nodeids/${i}`, code: 'invalid_model', message: `is ${id}, not a ${isLeaf ? 'leaf' : 'node'}` })
          return -1
        }
        return isLeaf ? n + id : id
      }
      return {
        node: {
          leaf: false,
          feature: features[i]!,
          mode: mode as SplitMode,
          threshold: number(splits!.values[i]!),
          whenTrue: child(trueIds[i]!, trueLeafs[i]!, 'true'),
          whenFalse: child(falseIds[i]!, falseLeafs[i]!, 'false'),
          missingTracksTrue: missing[i] === 1,
          pointer: at,
        },
      }
    })
  })
  if (issues.length > 0 || trees.some((t) => !t)) return undefined
  return { task: 'regression', baseValue: 0, trees: trees as EnsembleTree[], notes: { treeCount: roots.length } }
}

type Visit = { node: EnsembleNode } | { fail: [string, ImportIssueCode, string] }

/**
 * One tree from its root, depth first, renumbered from 0; a node reached
 * twice or a child that does not exist is an `invalid_model` issue.
 * `visit` reads node i of the operator's lists (children as list indices).
 */
function walkTree(root: number, pointer: string, issues: Issues, visit: (i: number) => Visit): EnsembleTree | undefined {
  const nodes: EnsembleNode[] = []
  const placed = new Map<number, number>()
  const stack: { at: number; parent: number; side: 'whenTrue' | 'whenFalse' | undefined }[] = [{ at: root, parent: -1, side: undefined }]
  while (stack.length > 0) {
    const { at, parent, side } = stack.pop()!
    if (at < 0) return undefined
    if (placed.has(at)) {
      fail(issues, pointer, 'invalid_model', `reaches node ${at} of the lists twice: the nodes do not form a tree`)
      return undefined
    }
    const seen = visit(at)
    if ('fail' in seen) {
      fail(issues, ...seen.fail)
      return undefined
    }
    const index = nodes.length
    placed.set(at, index)
    nodes.push({ ...seen.node })
    if (parent >= 0 && side) (nodes[parent] as { whenTrue: number; whenFalse: number })[side] = index
    if (!seen.node.leaf) {
      stack.push({ at: seen.node.whenFalse, parent: index, side: 'whenFalse' })
      stack.push({ at: seen.node.whenTrue, parent: index, side: 'whenTrue' })
    }
  }
  return { nodes }
}
