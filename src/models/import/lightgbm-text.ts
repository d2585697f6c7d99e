import type { FieldIssue } from '../../core/errors.ts'
import type { ObjectiveName } from '../gbdt/objective.ts'
import { GbdtModel, type TreeArrays, emptyTreeArrays } from '../gbdt/tree-model.ts'
import { type ImportIssueCode, type ImportProvenance, ImportedModel, importRefused, lightgbmZeroThreshold } from './imported-model.ts'

/**
 * LightGBM's text model, as `Booster.save_model('model.txt')` (or the CLI's
 * `output_model`) writes it, versions v2 to v4:
 *
 *   tree
 *   version=v4
 *   num_class=1
 *   num_tree_per_iteration=1
 *   max_feature_idx=9
 *   objective=binary sigmoid:1
 *   feature_names=age income ...
 *
 *   Tree=0
 *   num_leaves=3
 *   num_cat=0
 *   split_feature=9 2
 *   threshold=-0.39 -0.43
 *   decision_type=2 2
 *   left_child=-1 -2
 *   right_child=1 -3
 *   leaf_value=0.17 -0.18 0.06
 *   leaf_count=27 37 36
 *   internal_count=100 73
 *   ...
 *   end of trees
 *
 * A tree of n leaves has n − 1 split nodes; a child ≥ 0 is a split node, a
 * negative child c is leaf ~c. A row goes left when `x ≤ threshold`
 * (doubles, as the flat model). `decision_type` holds bit 0 categorical,
 * bit 1 default-left, bits 2–3 the missing type, and LightGBM's
 * `NumericalDecision` reads them so:
 *
 * - None (0): NaN is taken as 0.0 and compared: the flat model's default
 *   direction is then simply `0 ≤ threshold`.
 * - NaN (2): NaN goes the default way: the flat model's rule exactly.
 * - Zero (1): NaN and every value within ±1e−35 (kZeroThreshold, a float)
 *   go the default way. When the threshold already puts that band on the
 *   default side, that is the flat rule again; otherwise the band is mapped
 *   to NaN before the walk (`ImportedModel`), which is exact when every
 *   split on that feature treats the band alike (checked here).
 *
 * Leaves keep LightGBM's doubles and are summed in LightGBM's order from
 * 0.0, so margins equal LightGBM's `raw_score`. Covers for TreeSHAP are
 * `internal_count`/`leaf_count`, which LightGBM's own `pred_contrib` uses
 * (weights when a file has no counts). For `binary sigmoid:k` with k ≠ 1,
 * LightGBM's probability is 1/(1+exp(−k·raw)): the leaves are multiplied by
 * k so the margin is the log-odds, as everywhere in the platform.
 *
 * Refused, each naming the block, key and line: categorical splits, linear
 * trees, multi-class models, random-forest averaging, and objectives whose
 * output is not the raw score or its sigmoid.
 */
const regressionObjectives = new Set(['regression', 'regression_l1', 'huber', 'fair', 'quantile', 'mape'])

/** A split as read, kept per feature to check its missing type against the feature's other splits. */
interface SplitSeen {
  tree: number
  node: number
  line: number
  /** LightGBM's missing type: 0 None, 1 Zero, 2 NaN. */
  type: number
  defaultLeft: boolean
  threshold: number
}

interface Entry {
  value: string
  line: number
}

/** A `Tree=N` block: its keys with their lines. */
interface Block {
  index: number
  line: number
  entries: Map<string, Entry>
}

/** Reads LightGBM's text model; throws `invalid_input` naming each problem (`/Tree=3/threshold`, with the line). */
export function importLightgbmText(text: string): ImportedModel {
  const reader = new Reader()
  const model = reader.model(text)
  if (reader.issues.length > 0 || !model) throw importRefused('The LightGBM model', reader.issues)
  return model
}

class Reader {
  readonly issues: FieldIssue[] = []

  private fail(pointer: string, line: number | undefined, message: string, code: ImportIssueCode = 'invalid_model'): undefined {
    this.issues.push({ pointer, code, message: line === undefined ? message : `line ${line}: ${message}` })
    return undefined
  }

  model(text: string): ImportedModel | undefined {
    const lines = text.split(/\r?\n/)
    if (lines[0]?.trim() !== 'tree') return this.fail('/', 1, 'a LightGBM text model starts with the line "tree"')
    const header = new Map<string, Entry>()
    const blocks: Block[] = []
    let block: Block | undefined
    let ended = false
    for (let i = 1; i < lines.length && !ended; i++) {
      const line = lines[i]!.trim()
      if (line === '') continue
      if (line === 'end of trees') ended = true
      else if (line.startsWith('Tree=')) {
        const index = Number(line.slice(5))
        if (!Number.isInteger(index) || index !== blocks.length) this.fail(`/${line}`, i + 1, `expected Tree=${blocks.length}`)
        block = { index: blocks.length, line: i + 1, entries: new Map() }
        blocks.push(block)
      } else {
        const eq = line.indexOf('=')
        // a bare word in the header is a flag, such as average_output
        const key = eq < 0 ? line : line.slice(0, eq)
        const entry = { value: eq < 0 ? '' : line.slice(eq + 1), line: i + 1 }
        ;(block ? block.entries : header).set(key, entry)
      }
    }
    if (!ended) this.fail('/end of trees', lines.length, 'the file ends before "end of trees": is it cut short?')
    if (this.issues.length > 0) return undefined

    const version = header.get('version')?.value ?? 'unknown'
    const featureCount = this.headerInteger(header, 'max_feature_idx', 0)
    const classes = this.headerInteger(header, 'num_class', 1)
    const perIteration = header.has('num_tree_per_iteration') ? this.headerInteger(header, 'num_tree_per_iteration', 1) : 1
    if (classes !== undefined && classes !== 1) this.fail('/num_class', header.get('num_class')!.line, `a ${classes}-class model: only binary and regression models can be imported`, 'unsupported_model')
    else if (perIteration !== undefined && perIteration !== 1) this.fail('/num_tree_per_iteration', header.get('num_tree_per_iteration')!.line, 'must be 1: only single-output models can be imported', 'unsupported_model')
    if (header.has('average_output')) this.fail('/average_output', header.get('average_output')!.line, 'random-forest averaging (boosting=rf) is not supported', 'unsupported_model')
    const objective = this.objective(header.get('objective'))
    const names = featureCount === undefined ? undefined : this.featureNames(header.get('feature_names'), featureCount + 1)
    if (this.issues.length > 0 || !objective || !names) return undefined

    const splitsByFeature = new Map<number, SplitSeen[]>()
    const trees = blocks.map((b) => this.tree(b, names.length, objective.scale, splitsByFeature))
    const zeroAsMissing = this.zeroAsMissing(splitsByFeature)
    if (this.issues.length > 0 || trees.some((t) => !t)) return undefined

    const provenance: ImportProvenance = {
      library: 'lightgbm',
      version,
      objective: objective.text,
      arithmetic: 'float64',
      zeroAsMissing,
      notes: { trees: blocks.length },
    }
    const flat = new GbdtModel({ objective: objective.name, featureNames: names, baseScore: 0, trees: trees as TreeArrays[], training: { importedFrom: provenance } })
    return new ImportedModel(flat, provenance)
  }

  private headerInteger(header: Map<string, Entry>, key: string, least: number): number | undefined {
    const entry = header.get(key)
    if (!entry) return this.fail(`/${key}`, undefined, 'is missing from the header')
    const n = Number(entry.value)
    return Number.isInteger(n) && n >= least && entry.value.trim() !== '' ? n : this.fail(`/${key}`, entry.line, `must be an integer ≥ ${least}, not "${entry.value}"`)
  }

  private objective(entry: Entry | undefined): { name: ObjectiveName; scale: number; text: string } | undefined {
    if (!entry) return this.fail('/objective', undefined, 'is missing from the header')
    const [kind = '', ...rest] = entry.value.trim().split(/\s+/)
    const options = new Map(rest.map((part) => [part.split(':')[0]!, part.split(':')[1] ?? ''] as const))
    if (kind === 'binary' || kind === 'cross_entropy') {
      const scale = kind === 'binary' ? Number(options.get('sigmoid') ?? '1') : 1
      if (!(Number.isFinite(scale) && scale > 0)) return this.fail('/objective', entry.line, `sigmoid must be a positive number, not "${options.get('sigmoid')}"`)
      return { name: 'binary', scale, text: entry.value }
    }
    if (regressionObjectives.has(kind)) {
      if (options.has('sqrt')) return this.fail('/objective', entry.line, `"${entry.value}": reg_sqrt squares the output, which is not supported`, 'unsupported_model')
      return { name: 'regression', scale: 1, text: entry.value }
    }
    return this.fail('/objective', entry.line, `"${entry.value}" is not supported; binary, cross_entropy and the regression objectives (regression, regression_l1, huber, fair, quantile, mape) are`, 'unsupported_model')
  }

  private featureNames(entry: Entry | undefined, count: number): string[] | undefined {
    if (!entry) return Array.from({ length: count }, (_, f) => `Column_${f}`)
    const names = entry.value.trim().split(/\s+/)
    if (names.length !== count) return this.fail('/feature_names', entry.line, `has ${names.length} names; max_feature_idx says ${count} features`)
    if (new Set(names).size !== names.length) return this.fail('/feature_names', entry.line, 'has a name twice')
    return names
  }

  /** The numbers of `key` in a tree block: exactly `length` of them. LightGBM writes ±inf and nan as words. */
  private numbers(b: Block, key: string, length: number, integers = false): number[] | undefined {
    const pointer = `/Tree=${b.index}/${key}`
    const entry = b.entries.get(key)
    if (!entry) return this.fail(pointer, b.line, `Tree=${b.index} has no ${key}`)
    const words = entry.value.trim() === '' ? [] : entry.value.trim().split(/\s+/)
    if (words.length !== length) return this.fail(pointer, entry.line, `has ${words.length} values; num_leaves=${b.entries.get('num_leaves')?.value} needs ${length}`)
    const out = words.map(parseNumber)
    const bad = out.findIndex((x) => Number.isNaN(x) || (integers && !Number.isInteger(x)))
    if (bad >= 0) return this.fail(`${pointer}/${bad}`, entry.line, `"${words[bad]}" is not ${integers ? 'an integer' : 'a number'}`)
    return out
  }

  private tree(b: Block, featureCount: number, scale: number, types: Map<number, SplitSeen[]>): TreeArrays | undefined {
    const at = `/Tree=${b.index}`
    const leavesEntry = b.entries.get('num_leaves')
    const leaves = leavesEntry ? parseNumber(leavesEntry.value) : Number.NaN
    if (!Number.isInteger(leaves) || leaves < 1) return this.fail(`${at}/num_leaves`, leavesEntry?.line ?? b.line, 'must be an integer ≥ 1')
    const cats = b.entries.get('num_cat')
    if (cats && parseNumber(cats.value) !== 0) return this.fail(`${at}/num_cat`, cats.line, 'a tree with categorical splits: categorical features cannot be imported (encode them as numbers before training)', 'unsupported_model')
    const linear = b.entries.get('is_linear')
    if (linear && linear.value.trim() !== '0') return this.fail(`${at}/is_linear`, linear.line, 'linear trees (linear_tree=true) cannot be imported', 'unsupported_model')
    const leafValue = this.numbers(b, 'leaf_value', leaves)
    // a constant tree (no split) needs no cover: TreeSHAP has nothing to weigh
    if (leaves === 1) return leafValue && single(leafValue[0]! * scale)
    const splits = leaves - 1
    // covers: LightGBM's own TreeSHAP weighs by data counts; older or hand-made files may have only weights
    const useCounts = b.entries.has('leaf_count') || !b.entries.has('leaf_weight')
    const leafCover = this.numbers(b, useCounts ? 'leaf_count' : 'leaf_weight', leaves)
    if (!leafValue || !leafCover) return undefined

    const feature = this.numbers(b, 'split_feature', splits, true)
    const threshold = this.numbers(b, 'threshold', splits)
    const decision = this.numbers(b, 'decision_type', splits, true)
    const leftChild = this.numbers(b, 'left_child', splits, true)
    const rightChild = this.numbers(b, 'right_child', splits, true)
    const internalCover = this.numbers(b, useCounts ? 'internal_count' : 'internal_weight', splits)
    const gain = b.entries.has('split_gain') ? this.numbers(b, 'split_gain', splits) : new Array<number>(splits).fill(0)
    const internalValue = b.entries.has('internal_value') ? this.numbers(b, 'internal_value', splits) : new Array<number>(splits).fill(0)
    if (!feature || !threshold || !decision || !leftChild || !rightChild || !internalCover || !gain || !internalValue) return undefined
    const line = (key: string) => b.entries.get(key)?.line

    // pre-order from split node 0; a leaf ~c becomes its own node
    const size = 2 * leaves - 1
    const out = emptyTreeArrays(size)
    const seenSplit = new Uint8Array(splits)
    const seenLeaf = new Uint8Array(leaves)
    let next = 0
    const place = (child: number, side: string, parent: number): number | undefined => {
      const i = next++
      if (child < 0) {
        const leaf = ~child
        if (leaf >= leaves || seenLeaf[leaf]) return this.fail(`${at}/${side}/${parent}`, line(side), `leaf ${leaf} (child ${child}) is out of range or reached twice`)
        seenLeaf[leaf] = 1
        out.feature[i] = -1
        out.left[i] = -1
        out.right[i] = -1
        out.value[i] = leafValue[leaf]! * scale
        out.cover[i] = leafCover[leaf]!
        return i
      }
      if (child >= splits || seenSplit[child]) return this.fail(`${at}/${side}/${parent}`, line(side), `split node ${child} is out of range or reached twice`)
      seenSplit[child] = 1
      const f = feature[child]!
      const t = threshold[child]!
      const type = decision[child]!
      if (f < 0 || f >= featureCount) return this.fail(`${at}/split_feature/${child}`, line('split_feature'), `must be a feature index below ${featureCount}`)
      if (type & 1) return this.fail(`${at}/decision_type/${child}`, line('decision_type'), 'a categorical split cannot be imported', 'unsupported_model')
      if (type < 0 || type > 15 || (type >> 2) === 3) return this.fail(`${at}/decision_type/${child}`, line('decision_type'), `${type} is not a decision type (bits: 1 categorical, 2 default left, 4–8 missing type)`)
      const missing = type >> 2
      const defaultLeft = (type & 2) !== 0
      out.feature[i] = f
      out.threshold[i] = t
      // None: NaN is compared as 0.0; NaN and Zero: the default side
      out.defaultLeft[i] = missing === 0 ? (0 <= t ? 1 : 0) : defaultLeft ? 1 : 0
      out.value[i] = internalValue[child]! * scale
      out.cover[i] = internalCover[child]!
      out.gain[i] = gain[child]!
      const list = types.get(f) ?? []
      list.push({ tree: b.index, node: child, line: line('decision_type') ?? b.line, type: missing, defaultLeft, threshold: t })
      types.set(f, list)
      const l = place(leftChild[child]!, 'left_child', child)
      const r = l === undefined ? undefined : place(rightChild[child]!, 'right_child', child)
      if (l === undefined || r === undefined) return undefined
      out.left[i] = l
      out.right[i] = r
      return i
    }
    if (place(0, 'left_child', 0) === undefined) return undefined
    if (next !== size) return this.fail(`${at}/left_child`, line('left_child'), `only ${next} of ${size} nodes are reachable from the root`)
    return out
  }

  /**
   * The features whose zero band must be read as missing: those with a Zero
   * split whose threshold puts the band against the default side. Mapping
   * the band to NaN is exact only if every split on the feature sends it the
   * same way as LightGBM would; otherwise the model is refused.
   */
  private zeroAsMissing(types: Map<number, SplitSeen[]>): number[] {
    const z = lightgbmZeroThreshold
    // where x ≤ t sends the whole band, or undefined when the threshold cuts it
    const bandSide = (t: number) => (t >= z ? 'left' : t < -z ? 'right' : undefined)
    const out: number[] = []
    for (const [f, splits] of [...types.entries()].sort((a, b) => a[0] - b[0])) {
      const needs = splits.some((s) => s.type === 1 && bandSide(s.threshold) !== (s.defaultLeft ? 'left' : 'right'))
      if (!needs) continue
      for (const s of splits) {
        // after mapping, the band is NaN: it goes the default way (NaN, Zero) or 0's way (None)
        const flat = s.type === 0 ? (0 <= s.threshold ? 'left' : 'right') : s.defaultLeft ? 'left' : 'right'
        const lightgbm = s.type === 1 ? flat : bandSide(s.threshold)
        if (flat !== lightgbm) {
          this.fail(`/Tree=${s.tree}/decision_type/${s.node}`, s.line, `feature ${f} has zero-as-missing splits and this split treats values near 0 differently; the model cannot be scored exactly`, 'unsupported_model')
        }
      }
      out.push(f)
    }
    return out
  }
}

function single(value: number): TreeArrays {
  return {
    feature: Int32Array.of(-1),
    threshold: Float64Array.of(0),
    defaultLeft: Uint8Array.of(0),
    left: Int32Array.of(-1),
    right: Int32Array.of(-1),
    value: Float64Array.of(value),
    cover: Float64Array.of(0),
    gain: Float64Array.of(0),
  }
}

/** A number as LightGBM writes it: decimal, or inf / -inf / nan. */
function parseNumber(word: string): number {
  const w = word.trim().toLowerCase()
  if (w === 'inf' || w === '+inf' || w === 'infinity') return Number.POSITIVE_INFINITY
  if (w === '-inf' || w === '-infinity') return Number.NEGATIVE_INFINITY
  if (w === '' || w === 'nan' || w === '-nan') return Number.NaN
  return Number(w)
}
