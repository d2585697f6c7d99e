import type { ImportedModel } from './imported-model.ts'
import { importRefused } from './imported-model.ts'
import { importLightgbmText } from './lightgbm-text.ts'
import { importXgboostJson, type XgboostImportOptions } from './xgboost-json.ts'

/**
 * Imports a model file of either library, telling them apart by their first
 * bytes: XGBoost's JSON starts with `{`, LightGBM's text model with the line
 * `tree`. Anything else is refused with `invalid_model`.
 */
export function importModel(text: string, options: XgboostImportOptions = {}): ImportedModel {
  const start = text.trimStart()
  if (start.startsWith('{')) return importXgboostJson(text, options)
  if (/^tree\r?\n/.test(start)) return importLightgbmText(start)
  throw importRefused('The model file', [
    { pointer: '', code: 'invalid_model', message: 'is neither XGBoost JSON (save_model("model.json")) nor a LightGBM text model (save_model("model.txt"))' },
  ])
}
