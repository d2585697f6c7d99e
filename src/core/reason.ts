/** A reason code with its message in both working languages, and the evidence that triggered it. */
export interface LocalizedMessage {
  zh: string
  en: string
}

export interface Reason {
  code: string
  message: LocalizedMessage
  evidence: Record<string, unknown>
  ruleId?: string
  ruleSetId?: string
}

/** Reason codes the platform itself emits (strategies bring their own). Documented in docs/reference/reason-codes.md. */
export const systemReasons = {
  NO_STRATEGY: { zh: '该事件类型未配置策略，默认通过', en: 'No strategy is configured for this event type; approved by default' },
  RULE_ERROR: { zh: '规则执行出错，按降级策略处理', en: 'A rule could not be evaluated; the degraded-mode policy applied' },
  DEGRADED: { zh: '依赖服务失败，按降级策略决策', en: 'A dependency failed; decided under the degraded-mode policy' },
  OFFER_ERROR: { zh: '额度或定价无法计算，转人工审核', en: 'The credit limit or price could not be computed; sent to review' },
} as const satisfies Record<string, LocalizedMessage>

export type SystemReasonCode = keyof typeof systemReasons
