import type { FieldIssue } from '../../core/errors.ts'
import type { ObjectiveName } from '../gbdt/objective.ts'
import { GbdtModel, type TreeArrays, emptyTreeArrays } from '../gbdt/tree-model.ts'
import { float32LessThanBound, float32Logit } from './float32.ts'
import { type ImportIssueCode, type ImportProvenance, ImportedModel, importRefused } from './imported-model.ts'

/**
 * XGBoost's JSON model, as `Booster.save_model('model.json')` writes it
 * (XGBoost 1.0 and later):
 *
 *   { "learner": { "learner_model_param": { "base_score": "5E-1" | "[5E-1]", "num_feature": "4", "num_class": "0" },
 *                  "objective": { "name": "binary:logistic" },
 *                  "feature_names": [...],
 *                  "gradient_booster": { "name": "gbtree", "model": { "trees": [ {
 *                      "left_children": [...], "right_children": [...], "split_indices": [...],
 *                      "split_conditions": [...], "default_left": [...], "split_type": [...],
 *                      "sum_hessian": [...], "loss_changes": [...], "tree_param": { "num_nodes": "7" } } ] } } },
 *     "version": [3, 1, 1] }
 *
 * Per tree, parallel arrays over the nodes, node 0 the root, −1 children at a
 * leaf. `split_conditions` is the float32 threshold at a split and the leaf's
 * output (learning rate applied) at a leaf. XGBoost routes a row left when
 * `float32(x) < threshold`, and a missing value (NaN) by `default_left`.
 *
 * The conversion keeps every routing exactly: `float32(x) < t` holds for
 * precisely the doubles x ≤ `float32LessThanBound(t)`, so that bound becomes
 * the flat model's `x ≤ threshold`. Leaves keep their float32 values; the
 * base margin is XGBoost's, computed in float32 (`logit(base_score)` for the
 * logistic objectives). Covers are `sum_hessian`, as XGBoost's own TreeSHAP
 * uses. What the flat model cannot hold is XGBoost's float32 running sum;
 * `ImportedModel` replays it (see there).
 *
 * Refused, each naming the field: categorical splits, vector leaves,
 * multi-class and multi-target models, `gblinear` and `dart` boosters, and
 * objectives other than binary:logistic, reg:logistic and reg:squarederror
 * (and its old name reg:linear). UBJSON (`.ubj`) and the old binary format
 * are not JSON: save the model with a `.json` name.
 */
export interface XgboostImportOptions {
  /** Names for the features, in column order, when the model has none (XGBoost then calls them f0, f1, …). */
  featureNames?: readonly string[]
}

const logistic = new Set(['binary:logistic', 'reg:logistic'])
const squaredError = new Set(['reg:squarederror', 'reg:linear'])
/** XGBoost writes `parents[0]` and a deleted node's split index as INT32_MAX. */
const deletedNode = 2147483647

type Json = Record<string, unknown>

/** Reads XGBoost's JSON model text (or its parsed value); throws `invalid_input` naming each problem by JSON pointer. */
export function importXgboostJson(input: string | unknown, options: XgboostImportOptions = {}): ImportedModel {
  let value: unknown = input
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input)
    } catch (error) {
      const hint = 'save the model with Booster.save_model("model.json"); .ubj and the old binary format are not JSON'
      throw importRefused('The XGBoost model', [{ pointer: '', code: 'invalid_json', message: `is not JSON (${(error as Error).message}); ${hint}` }])
    }
  }
  const reader = new Reader()
  const model = reader.model(value, options)
  if (reader.issues.length > 0 || !model) throw importRefused('The XGBoost model', reader.issues)
  return model
}

/** Walks the JSON, collecting every problem with its pointer before giving up. */
class Reader {
  readonly issues: FieldIssue[] = []

  private fail(pointer: string, message: string, code: ImportIssueCode = 'invalid_model'): undefined {
    this.issues.push({ pointer, code, message })
    return undefined
  }

  private object(value: unknown, pointer: string): Json | undefined {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Json
    return this.fail(pointer, 'must be an object')
  }

  private string(value: unknown, pointer: string): string | undefined {
    return typeof value === 'string' ? value : this.fail(pointer, 'must be a string')
  }

  /** XGBoost writes its parameters as strings of integers ("127"). */
  private integerString(value: unknown, pointer: string): number | undefined {
    const text = this.string(value, pointer)
    if (text === undefined) return undefined
    const n = Number(text)
    return Number.isInteger(n) && n >= 0 ? n : this.fail(pointer, `must be a non-negative integer, not "${text}"`)
  }

  private numbers(value: unknown, length: number, pointer: string, integers = false): number[] | undefined {
    if (!Array.isArray(value)) return this.fail(pointer, 'must be an array')
    if (value.length !== length) return this.fail(pointer, `has ${value.length} entries for ${length} nodes`)
    // default_left is [true, false] in XGBoost 1.x and [1, 0] later
    const out = value.map((v) => (typeof v === 'boolean' ? Number(v) : v))
    const bad = out.findIndex((v) => typeof v !== 'number' || (integers && !Number.isInteger(v)))
    if (bad >= 0) return this.fail(`${pointer}/${bad}`, integers ? 'must be an integer' : 'must be a number')
    return out as number[]
  }

  model(value: unknown, options: XgboostImportOptions): ImportedModel | undefined {
    const root = this.object(value, '')
    const learner = root && this.object(root['learner'], '/learner')
    if (!root || !learner) return undefined
    const version = Array.isArray(root['version']) ? root['version'].join('.') : 'unknown'
    const params = this.object(learner['learner_model_param'], '/learner/learner_model_param')
    const objectiveJson = this.object(learner['objective'], '/learner/objective')
    const booster = this.object(learner['gradient_booster'], '/learner/gradient_booster')
    if (!params || !objectiveJson || !booster) return undefined

    const objectiveName = this.string(objectiveJson['name'], '/learner/objective/name')
    let objective: ObjectiveName | undefined
    if (objectiveName !== undefined) {
      if (logistic.has(objectiveName)) objective = 'binary'
      else if (squaredError.has(objectiveName)) objective = 'regression'
      else this.fail('/learner/objective/name', `"${objectiveName}" is not supported; binary:logistic, reg:logistic and reg:squarederror are`, 'unsupported_model')
    }
    const featureCount = this.integerString(params['num_feature'], '/learner/learner_model_param/num_feature')
    const classes = params['num_class'] === undefined ? 0 : this.integerString(params['num_class'], '/learner/learner_model_param/num_class')
    if (classes !== undefined && classes > 1) this.fail('/learner/learner_model_param/num_class', `a ${classes}-class model: only binary and regression models can be imported`, 'unsupported_model')
    if (params['num_target'] !== undefined && params['num_target'] !== '1') this.fail('/learner/learner_model_param/num_target', 'a multi-target model: only one target can be imported', 'unsupported_model')
    const baseMargin = objective && this.baseMargin(params['base_score'], objective)

    const boosterName = this.string(booster['name'], '/learner/gradient_booster/name')
    if (boosterName !== undefined && boosterName !== 'gbtree') {
      return this.fail('/learner/gradient_booster/name', `"${boosterName}" is not supported; only the gbtree booster is (dart scales its trees at prediction time; gblinear has no trees)`, 'unsupported_model')
    }
    const gbtree = this.object(booster['model'], '/learner/gradient_booster/model')
    if (!gbtree || featureCount === undefined) return undefined
    const names = this.featureNames(learner['feature_names'], featureCount, options)
    if (!Array.isArray(gbtree['trees'])) return this.fail('/learner/gradient_booster/model/trees', 'must be an array')
    const treeInfo = gbtree['tree_info']
    if (Array.isArray(treeInfo) && treeInfo.some((group) => group !== 0)) {
      this.fail('/learner/gradient_booster/model/tree_info', 'trees for more than one output group: only single-output models can be imported', 'unsupported_model')
    }
    const trees = gbtree['trees'].map((tree, t) => this.tree(tree, featureCount, `/learner/gradient_booster/model/trees/${t}`))
    if (this.issues.length > 0 || !objective || baseMargin === undefined || !names || !objectiveName) return undefined

    const attributes = (learner['attributes'] ?? {}) as Json
    const provenance: ImportProvenance = {
      library: 'xgboost',
      version,
      objective: objectiveName,
      arithmetic: 'float32',
      zeroAsMissing: [],
      notes: {
        baseScore: params['base_score'],
        ...(attributes['best_iteration'] !== undefined ? { bestIteration: Number(attributes['best_iteration']) } : {}),
      },
    }
    const flat = new GbdtModel({ objective, featureNames: names, baseScore: baseMargin, trees: trees as TreeArrays[], training: { importedFrom: provenance } })
    return new ImportedModel(flat, provenance)
  }

  /** `base_score` is a probability for the logistic objectives (the margin is its logit, in float32) and the margin itself for squared error. */
  private baseMargin(value: unknown, objective: ObjectiveName): number | undefined {
    const pointer = '/learner/learner_model_param/base_score'
    const text = this.string(value, pointer)
    if (text === undefined) return undefined
    // "5E-1" up to XGBoost 2.x; "[5E-1]" (one per target) from 3.0
    const parts = text.replace(/^\[(.*)\]$/, '$1').split(',')
    const score = Number(parts[0])
    if (parts.length !== 1) return this.fail(pointer, `has ${parts.length} values: only one target can be imported`, 'unsupported_model')
    if (!Number.isFinite(score)) return this.fail(pointer, `must be a number, not "${text}"`)
    if (objective === 'regression') return Math.fround(score)
    if (!(score > 0 && score < 1)) return this.fail(pointer, `must be a probability strictly between 0 and 1 for a logistic objective, not ${score}`)
    // + 0 turns the −0 of logit(0.5) into 0, which JSON keeps
    return float32Logit(score) + 0
  }

  private featureNames(value: unknown, featureCount: number, options: XgboostImportOptions): string[] | undefined {
    const given = options.featureNames
    if (given) {
      if (given.length !== featureCount) return this.fail('/learner/learner_model_param/num_feature', `the model has ${featureCount} features but ${given.length} names were given`)
      return [...given]
    }
    if (Array.isArray(value) && value.length > 0) {
      if (value.length !== featureCount || value.some((name) => typeof name !== 'string')) return this.fail('/learner/feature_names', `must be ${featureCount} strings`)
      if (new Set(value).size !== value.length) return this.fail('/learner/feature_names', 'has a name twice')
      return value as string[]
    }
    return Array.from({ length: featureCount }, (_, f) => `f${f}`)
  }

  /** One tree, renumbered in pre-order from the root (XGBoost keeps pruned nodes in its arrays, unreachable). */
  private tree(value: unknown, featureCount: number, at: string): TreeArrays | undefined {
    const tree = this.object(value, at)
    if (!tree) return undefined
    const param = this.object(tree['tree_param'], `${at}/tree_param`)
    const n = param && this.integerString(param['num_nodes'], `${at}/tree_param/num_nodes`)
    if (!param || n === undefined) return undefined
    if (n === 0) return this.fail(`${at}/tree_param/num_nodes`, 'a tree needs at least one node')
    if (param['size_leaf_vector'] !== undefined && !['0', '1'].includes(param['size_leaf_vector'] as string)) {
      return this.fail(`${at}/tree_param/size_leaf_vector`, 'vector leaves (multi-output trees) are not supported', 'unsupported_model')
    }
    const left = this.numbers(tree['left_children'], n, `${at}/left_children`, true)
    const right = this.numbers(tree['right_children'], n, `${at}/right_children`, true)
    const split = this.numbers(tree['split_indices'], n, `${at}/split_indices`, true)
    const condition = this.numbers(tree['split_conditions'], n, `${at}/split_conditions`)
    const defaultLeft = this.numbers(tree['default_left'], n, `${at}/default_left`, true)
    const hessian = this.numbers(tree['sum_hessian'], n, `${at}/sum_hessian`)
    const gain = tree['loss_changes'] === undefined ? new Array<number>(n).fill(0) : this.numbers(tree['loss_changes'], n, `${at}/loss_changes`)
    // split_type arrived with categorical support (1.3); 0 numerical, 1 categorical
    const splitType = tree['split_type'] === undefined ? new Array<number>(n).fill(0) : this.numbers(tree['split_type'], n, `${at}/split_type`, true)
    if (!left || !right || !split || !condition || !defaultLeft || !hessian || !gain || !splitType) return undefined

    const order: number[] = []
    const placed = new Map<number, number>()
    const stack = [0]
    while (stack.length > 0) {
      const node = stack.pop()!
      if (placed.has(node)) return this.fail(`${at}/left_children`, `node ${node} is reached twice: the nodes do not form a tree`)
      placed.set(node, order.length)
      order.push(node)
      if (left[node] === -1) {
        if (!Number.isFinite(condition[node]!)) this.fail(`${at}/split_conditions/${node}`, 'a leaf value must be finite')
        continue
      }
      if (splitType[node] === 1) return this.fail(`${at}/split_type/${node}`, 'a categorical split: models with categorical splits cannot be imported (one-hot encode the feature instead)', 'unsupported_model')
      if (splitType[node] !== 0) return this.fail(`${at}/split_type/${node}`, 'must be 0 (numerical) or 1 (categorical)')
      if (split[node]! < 0 || split[node]! >= featureCount || split[node] === deletedNode) this.fail(`${at}/split_indices/${node}`, `must be a feature index below ${featureCount}`)
      if (!Number.isFinite(condition[node]!)) this.fail(`${at}/split_conditions/${node}`, 'a threshold must be finite')
      for (const [side, children] of [['left_children', left] as const, ['right_children', right] as const]) {
        const child = children[node]!
        if (!(child > 0 && child < n)) return this.fail(`${at}/${side}/${node}`, `must be a node index from 1 to ${n - 1}`)
      }
      // right first, so the left subtree is numbered first
      stack.push(right[node]!, left[node]!)
    }
    if (this.issues.length > 0) return undefined
    const size = order.length
    const out = emptyTreeArrays(size)
    order.forEach((node, i) => {
      const leaf = left[node] === -1
      out.cover[i] = hessian[node]!
      if (leaf) {
        out.feature[i] = -1
        out.left[i] = -1
        out.right[i] = -1
        out.value[i] = Math.fround(condition[node]!)
        return
      }
      out.feature[i] = split[node]!
      out.threshold[i] = float32LessThanBound(Math.fround(condition[node]!))
      out.defaultLeft[i] = defaultLeft[node] ? 1 : 0
      out.left[i] = placed.get(left[node]!)!
      out.right[i] = placed.get(right[node]!)!
      out.gain[i] = gain[node]!
    })
    return out
  }
}
