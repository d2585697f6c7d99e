import type { Reason } from '../core/reason.ts'
import type { ModelFactor, ServedModel } from '../models/serving/served-model.ts'
import type { CompiledModel, FactorWording } from './compile-models.ts'
import { round6 } from './logistic-scorecard.ts'

/**
 * The reasons behind a registry score: its `top` risk-raising inputs, each a
 * reason of its own after the rule's, worded by the strategy's `factors`,
 * else by the model (a scorecard's reason codes), else by a generated code
 * (`FRAUD_GBDT_APPLICATIONS_PER_DEVICE24H`) and message naming the input.
 */
export function factorReasons(
  model: CompiledModel & { kind: 'registry' },
  version: ServedModel,
  features: Readonly<Record<string, number>>,
  rule: { ruleId: string; ruleSetId: string },
): Reason[] {
  return version.factors(features, model.top).map((factor) => {
    const wording = model.wording[factor.feature] ?? (factor.reason ? { code: factor.reason.code, ...factor.reason.message } : generatedWording(model.name, factor))
    return {
      code: wording.code,
      message: { zh: wording.zh, en: wording.en },
      evidence: {
        model: version.name,
        version: version.version,
        feature: factor.feature,
        value: Number.isFinite(factor.value) ? factor.value : null,
        contribution: round6(factor.contribution),
      },
      ...rule,
    }
  })
}

function generatedWording(scoreName: string, factor: ModelFactor): FactorWording {
  const shown = Number.isFinite(factor.value) ? String(factor.value) : null
  return {
    code: `${upperSnake(scoreName)}_${upperSnake(factor.feature)}`.slice(0, 64),
    zh: `模型 ${scoreName} 的主要风险因素：${factor.feature}（${shown ?? '缺失'}）`,
    en: `A main risk factor of model ${scoreName}: ${factor.feature} (${shown ?? 'missing'})`,
  }
}

const upperSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()
