import { hash } from 'node:crypto'
import { type FieldIssue, invalidInput, XiezhiError } from '../../core/errors.ts'
import { loadModel, modelFormat, serializeModel } from '../gbdt/model-json.ts'
import { importedModelOf } from '../import/imported-model.ts'
import { importLightgbmText } from '../import/lightgbm-text.ts'
import { importOnnxModel, onnxImportedModelOf } from '../import/onnx-model.ts'
import { importXgboostJson } from '../import/xgboost-json.ts'
import { loadScorecard, scorecardFormat, serializeScorecard } from '../scorecard/scorecard-json.ts'
import { type ModelKind, modelKinds } from './model-records.ts'

/** A model document checked by its own loader, in the form the registry keeps. */
export interface ModelArtifact {
  kind: ModelKind
  /** Canonical JSON: what the loader reads back to the same model (an import is kept converted, `xiezhi-gbdt` with its provenance). */
  artifact: string
  /** sha256 (hex) of `artifact`. */
  hash: string
  /** The inputs the model reads, in its order. */
  features: string[]
}

export const artifactHash = (artifact: string) => hash('sha256', artifact, 'hex')

/**
 * Reads an uploaded model of any kind the platform scores, by loading it:
 * a `xiezhi-gbdt` document (trained here, or an import saved before), a
 * `xiezhi-scorecard` document, XGBoost's JSON model (`save_model('model.json')`,
 * as an object or text), LightGBM's text model, or an ONNX tree ensemble
 * (`{ "format": "onnx", "base64": "<the .onnx file>" }`, or its bytes). The kind is told by the
 * document; `declared`, when given, must agree. Problems point into the
 * input: `/model/...` (the loader's own pointer after it), `/kind`.
 */
export function readModelArtifact(model: unknown, declared?: string, options: { featureNames?: readonly string[] } = {}): ModelArtifact {
  if (declared !== undefined && !(modelKinds as readonly string[]).includes(declared)) {
    throw invalidInput('The model kind is unknown', [{ pointer: '/kind', code: 'invalid_value', message: `kind must be one of ${modelKinds.join(', ')}` }])
  }
  const read = located(() => readAny(model, options))
  if (declared !== undefined && declared !== read.kind) {
    throw invalidInput('The model is not of the kind given', [{ pointer: '/kind', code: 'kind_mismatch', message: `the document is a ${read.kind} model, not ${declared}` }])
  }
  return read
}

function readAny(model: unknown, options: { featureNames?: readonly string[] }): ModelArtifact {
  if (model instanceof Uint8Array) return readOnnx(model, options)
  if (typeof model === 'string') {
    const text = model.trimStart()
    if (/^tree\r?\n/.test(text)) {
      const imported = importLightgbmText(text)
      return artifactOf('imported-lightgbm', serializeModel(imported.model), [...imported.featureNames])
    }
    if (!text.startsWith('{')) throw unknownFormat()
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      throw invalidInput('The model is not JSON', [{ pointer: '', code: 'invalid_json', message: (error as Error).message }])
    }
    return readAny(parsed, options)
  }
  if (model === null || typeof model !== 'object' || Array.isArray(model)) throw unknownFormat()
  const document = model as Record<string, unknown>
  if (document.format === modelFormat) {
    const gbdt = loadModel(document)
    const imported = importedModelOf(gbdt)
    const kind: ModelKind = onnxImportedModelOf(gbdt) ? 'imported-onnx' : imported ? (imported.provenance.library === 'xgboost' ? 'imported-xgboost' : 'imported-lightgbm') : 'gbdt'
    return artifactOf(kind, serializeModel(gbdt), [...gbdt.featureNames])
  }
  if (document.format === scorecardFormat) {
    const scorecard = loadScorecard(document)
    return artifactOf('scorecard', serializeScorecard(scorecard), scorecard.variables.map((v) => v.name))
  }
  if (document.format === 'onnx') return readOnnx(onnxBytes(document), options)
  if ('learner' in document) {
    const imported = importXgboostJson(document, options.featureNames ? { featureNames: options.featureNames } : {})
    return artifactOf('imported-xgboost', serializeModel(imported.model), [...imported.featureNames])
  }
  throw unknownFormat()
}

function readOnnx(bytes: Uint8Array, options: { featureNames?: readonly string[] }): ModelArtifact {
  const imported = importOnnxModel(bytes, options.featureNames ? { featureNames: options.featureNames } : {})
  return artifactOf('imported-onnx', serializeModel(imported.model), [...imported.featureNames])
}

/** An ONNX file travels in JSON as `{ "format": "onnx", "base64": "…" }` (standard alphabet, padding optional). */
function onnxBytes(document: Record<string, unknown>): Uint8Array {
  const text = typeof document.base64 === 'string' ? document.base64.replace(/\s+/g, '') : undefined
  if (text === undefined || text.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 === 1) {
    throw invalidInput('The ONNX model is not base64', [{ pointer: '/base64', code: 'invalid_base64', message: 'must be the .onnx file in base64: { "format": "onnx", "base64": "CAcSC…" }' }])
  }
  return Buffer.from(text, 'base64')
}

const artifactOf = (kind: ModelKind, artifact: string, features: string[]): ModelArtifact => ({ kind, artifact, hash: artifactHash(artifact), features })

const unknownFormat = () =>
  invalidInput('The model is of no kind the registry knows', [
    {
      pointer: '',
      code: 'unknown_model_format',
      message: `give a ${modelFormat} or ${scorecardFormat} document, XGBoost's JSON model (save_model("model.json")), LightGBM's text model (save_model("model.txt")) or an ONNX tree ensemble as { "format": "onnx", "base64": "…" }`,
    },
  ])

/** The loaders point into the document; the caller sent it as `/model`. */
function located<T>(work: () => T): T {
  try {
    return work()
  } catch (error) {
    if (!(error instanceof XiezhiError)) throw error
    const issues: FieldIssue[] = error.issues.map((i) => ({ ...i, pointer: `/model${i.pointer}` }))
    throw new XiezhiError(error.kind, error.message, issues)
  }
}
