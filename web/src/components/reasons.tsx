import { List, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import type { Reason } from '../api/types.ts'
import { decimal } from '../format.ts'
import { currentLanguage } from '../i18n/i18n.ts'

/** A reason's message in the language shown, from the API (every reason code carries both). */
export function reasonMessage(reason: Pick<Reason, 'message'>): string {
  return reason.message[currentLanguage()]
}

function evidenceValue(value: unknown): string {
  if (typeof value === 'number') return decimal(value, 4)
  if (typeof value === 'boolean' || typeof value === 'string') return String(value)
  return JSON.stringify(value)
}

/** Reasons with their codes, rules and evidence (the features, scores and event fields their rule read). */
export function ReasonList({ reasons }: { reasons: Reason[] }) {
  const { t } = useTranslation()
  return (
    <List
      size="small"
      dataSource={reasons}
      locale={{ emptyText: t('reasons.none') }}
      renderItem={(reason) => (
        <List.Item>
          <Space orientation="vertical" size={2} style={{ width: '100%' }}>
            <Space wrap>
              <Tag color="volcano">{reason.code}</Tag>
              <Typography.Text strong>{reasonMessage(reason)}</Typography.Text>
            </Space>
            {(reason.ruleSetId || reason.ruleId) && (
              <Typography.Text type="secondary">
                {t('reasons.rule')}: {[reason.ruleSetId, reason.ruleId].filter(Boolean).join(' / ')}
              </Typography.Text>
            )}
            <Space wrap size={[4, 4]}>
              {Object.entries(reason.evidence).map(([key, value]) =>
                value !== null && typeof value === 'object' && !Array.isArray(value) ? null : (
                  <Tag key={key} variant="filled">
                    {key} = {evidenceValue(value)}
                  </Tag>
                ),
              )}
            </Space>
          </Space>
        </List.Item>
      )}
    />
  )
}

export interface Contribution {
  score: string
  feature: string
  value: number | null
  contribution: number
}

/**
 * Model contributions as the decision gives them: registry models' top
 * factors (TreeSHAP or scorecard points) are reasons with `model`,
 * `feature`, `contribution` evidence; inline scorecards put their three
 * largest contributions under `scores.<name>.topContributions`.
 */
export function contributionsOf(reasons: Reason[], features: Record<string, number>): Contribution[] {
  const out: Contribution[] = []
  const seen = new Set<string>()
  for (const reason of reasons) {
    const e = reason.evidence
    if (typeof e.contribution === 'number' && typeof e.feature === 'string') {
      const key = `${String(e.model)}:${e.feature}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ score: String(e.model ?? ''), feature: e.feature, value: typeof e.value === 'number' ? e.value : null, contribution: e.contribution })
    }
    for (const [key, value] of Object.entries(e)) {
      const match = /^scores\.(.+)\.topContributions$/.exec(key)
      if (!match || value === null || typeof value !== 'object') continue
      for (const [feature, contribution] of Object.entries(value as Record<string, number>)) {
        const id = `${match[1]}:${feature}`
        if (seen.has(id)) continue
        seen.add(id)
        out.push({ score: match[1]!, feature, value: features[feature] ?? null, contribution })
      }
    }
  }
  return out.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
}

/** Each contribution as a bar: right (red) raises the risk, left (green) lowers it. */
export function ContributionBars({ contributions }: { contributions: Contribution[] }) {
  const { t } = useTranslation()
  if (contributions.length === 0) return <Typography.Text type="secondary">{t('contributions.none')}</Typography.Text>
  const largest = Math.max(...contributions.map((c) => Math.abs(c.contribution)), 1e-9)
  return (
    <table className="contributions" aria-label={t('contributions.title')}>
      <thead>
        <tr>
          <th scope="col">{t('contributions.score')}</th>
          <th scope="col">{t('contributions.feature')}</th>
          <th scope="col">{t('contributions.value')}</th>
          <th scope="col">{t('contributions.contribution')}</th>
        </tr>
      </thead>
      <tbody>
        {contributions.map((c) => (
          <tr key={`${c.score}:${c.feature}`}>
            <td>{c.score}</td>
            <td>
              <code>{c.feature}</code>
            </td>
            <td>{decimal(c.value)}</td>
            <td>
              <div className="bar-cell">
                <div className={c.contribution >= 0 ? 'bar up' : 'bar down'} style={{ width: `${(Math.abs(c.contribution) / largest) * 100}%` }} />
                <span>{decimal(c.contribution, 4)}</span>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
