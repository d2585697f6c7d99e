/** What a decision tells the lender to do, from least to most severe. */
export const actions = ['approve', 'step_up', 'review', 'reject'] as const
export type Action = (typeof actions)[number]

const severity: Record<Action, number> = { approve: 0, step_up: 1, review: 2, reject: 3 }

export const isAction = (value: unknown): value is Action => typeof value === 'string' && value in severity

/** The more severe of two actions: "worst wins" when rule sets disagree. */
export const worstOf = (a: Action, b: Action): Action => (severity[b] > severity[a] ? b : a)
