import type { FieldIssue } from '../../core/errors.ts'
import { GbdtModel } from '../gbdt/tree-model.ts'
import { type Explanation, explain } from '../gbdt/tree-shap.ts'
import { importRefused } from './imported-model.ts'
import { readOnnxEnsemble } from './onnx-graph.ts'
import { decodeOnnxModel, type OnnxModelProto } from './onnx-proto.ts'
import { treeArraysOf } from './onnx-trees.ts'

/**
 * ONNX tree ensembles (`docs/model-import.md`), converted into the flat
 * tree model so that they are scored synchronously on the decision path and
 * explained by the same TreeSHAP as every other tree model.
 *
 * The conversion keeps every routing (`onnx-trees.ts`); what the flat
 * model's arrays cannot hold is onnxruntime's arithmetic, which this wrapper
 * replays: the trees' outputs summed in the threshold type (float32 for a
 * float input) from 0 in tree order, the base value added after them, the
 * sum cast to the output type (float32), and the LOGISTIC transform of
 * `ComputeLogistic` in float32. Scores are onnxruntime's (tested against
 * onnxruntime-node on every fixture and on random trees: see
 * `test/models/onnx-import.test.ts`).
 */
export interface OnnxImportOptions {
  /** Names for the input's columns, in order; ONNX files have none (they are then f0, f1, …). */
  featureNames?: readonly string[]
}

export interface OnnxImportProvenance {
  library: 'onnx'
  /** The producer the file names, e.g. `skl2onnx 1.16.0`, `OnnxMLTools 1.12.0` (empty when it names none). */
  version: string
  /** The operator and the output taken, e.g. `ai.onnx.ml.TreeEnsembleClassifier LOGISTIC`. */
  objective: string
  /** onnxruntime's accumulator: float32 for a float input, float64 for a double one. */
  arithmetic: 'float32' | 'float64'
  inputType: 'float' | 'double'
  /** The score leaves onnxruntime as float32. */
  outputFloat32: boolean
  notes?: Record<string, unknown>
}

export class OnnxImportedModel {
  constructor(
    /** The flat model: its `predictMargin` is the double-precision sum of the same leaves and base. */
    readonly model: GbdtModel,
    readonly provenance: OnnxImportProvenance,
  ) {}

  get featureNames(): readonly string[] {
    return this.model.featureNames
  }

  /** onnxruntime's score before the transform: the log-odds of a binary classifier, the value of a regressor. */
  predictMargin(row: ArrayLike<number>): number {
    const { roots, feature, threshold, defaultLeft, left, right, value } = this.model
    const round = this.provenance.arithmetic === 'float32' ? Math.fround : (x: number) => x
    let sum = 0
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t]!
      let f = feature[node]!
      while (f >= 0) {
        const x = row[f]!
        const cut = threshold[node]!
        node = x <= cut ? left[node]! : x > cut ? right[node]! : defaultLeft[node] ? left[node]! : right[node]!
        f = feature[node]!
      }
      sum = round(sum + value[node]!)
    }
    sum = round(sum + this.model.baseScore)
    return this.provenance.outputFloat32 ? Math.fround(sum) : sum
  }

  /** The probability of the second class for a binary classifier (onnxruntime's probabilities, column 1), else the value. */
  predict(row: ArrayLike<number>): number {
    const margin = this.predictMargin(row)
    return this.model.objective === 'binary' ? onnxLogistic(margin) : margin
  }

  /** Exact TreeSHAP over the imported trees, in margin units (covers: each leaf counts 1, as ONNX keeps no training counts). */
  explain(row: ArrayLike<number>): Explanation {
    return explain(this.model, Float64Array.from(row))
  }
}

/** onnxruntime's `ComputeLogistic` in float32: v = 1 / (1 + exp(−|x|)), and 1 − v for a negative x. */
export function onnxLogistic(x: number): number {
  const v = Math.fround(1 / Math.fround(1 + Math.fround(Math.exp(-Math.abs(x)))))
  return x < 0 ? Math.fround(1 - v) : v
}

/** Wraps a flat model that `importOnnxModel` made (and `serializeModel`/`loadModel` carried) back into its `OnnxImportedModel`. */
export function onnxImportedModelOf(model: GbdtModel): OnnxImportedModel | undefined {
  const from = model.training?.['importedFrom'] as OnnxImportProvenance | undefined
  if (from?.library !== 'onnx') return undefined
  return new OnnxImportedModel(model, { ...from })
}

/** True for bytes that begin like an ONNX model: field 1 (ir_version, a varint) first, as every writer puts it. */
export const looksLikeOnnx = (bytes: Uint8Array) => bytes.length > 2 && bytes[0] === 0x08

/**
 * Reads an ONNX model (the bytes of a `.onnx` file) holding one tree
 * ensemble; throws `invalid_input` listing each problem, pointing into the
 * model (`/graph/node/0/nodes_modes/17`).
 */
export function importOnnxModel(bytes: Uint8Array, options: OnnxImportOptions = {}): OnnxImportedModel {
  let proto: OnnxModelProto
  try {
    proto = decodeOnnxModel(bytes)
  } catch (error) {
    throw importRefused('The ONNX model', [{ pointer: '', code: 'invalid_model', message: `is not an ONNX model (a protobuf ModelProto): ${(error as Error).message}` }])
  }
  const issues: FieldIssue[] = []
  const ensemble = readOnnxEnsemble(proto, options.featureNames?.length, issues)
  if (!ensemble) throw importRefused('The ONNX model', issues.length > 0 ? issues : [{ pointer: '', code: 'invalid_model', message: 'holds no tree ensemble' }])
  // thresholds and leaves must be finite numbers: ±∞ and NaN thresholds route every row one way and have no bound
  for (const tree of ensemble.trees) {
    for (const node of tree.nodes) {
      const value = node.leaf ? node.weight : node.threshold
      if (!Number.isFinite(value)) issues.push({ pointer: node.pointer, code: 'unsupported_model', message: `${node.leaf ? 'leaf weight' : 'threshold'} is ${value}, not a finite number` })
    }
  }
  if (!Number.isFinite(ensemble.baseValue)) issues.push({ pointer: '/graph/node', code: 'unsupported_model', message: `the base value is ${ensemble.baseValue}` })
  if (issues.length > 0) throw importRefused('The ONNX model', issues)

  const producer = [proto.producerName, proto.producerVersion].filter(Boolean).join(' ')
  const provenance: OnnxImportProvenance = {
    library: 'onnx',
    version: producer,
    objective: `${ensemble.operator} ${ensemble.task === 'binary' ? 'LOGISTIC' : 'NONE'}`,
    arithmetic: ensemble.arithmetic,
    inputType: ensemble.inputType,
    outputFloat32: ensemble.outputFloat32,
    notes: {
      ...ensemble.notes,
      opset: ensemble.opset,
      irVersion: proto.irVersion ?? 0,
      ...(ensemble.classLabels ? { classLabels: ensemble.classLabels } : {}),
      covers: 'leaf counts (ONNX keeps no training counts)',
    },
  }
  const featureNames = options.featureNames ? [...options.featureNames] : Array.from({ length: ensemble.featureCount }, (_, f) => `f${f}`)
  const model = new GbdtModel({
    objective: ensemble.task === 'binary' ? 'binary' : 'regression',
    featureNames,
    baseScore: ensemble.baseValue,
    trees: ensemble.trees.map((tree) => treeArraysOf(tree, ensemble.inputType)),
    training: { importedFrom: provenance },
  })
  return new OnnxImportedModel(model, provenance)
}
