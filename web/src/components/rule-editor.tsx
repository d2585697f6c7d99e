import { Input, Select, Table, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { type Action, actions, type StrategyDocument, type StrategyRule } from '../api/types.ts'

/** Where a rule sits in the document: `ruleSets` or the `flow`'s ruleSet nodes. */
interface RuleAt {
  node: string
  path: string
  rule: StrategyRule
}

/** The document's rules (in rule sets, or ruleSet nodes of a flow), with their pointers. */
export function rulesOf(document: StrategyDocument): RuleAt[] {
  const out: RuleAt[] = []
  const walk = (nodes: unknown, base: string) => {
    if (!Array.isArray(nodes)) return
    nodes.forEach((node, i) => {
      const n = node as { id?: string; rules?: StrategyRule[] }
      if (!Array.isArray(n.rules)) return
      n.rules.forEach((rule, j) => {
        if (typeof rule.when === 'string') out.push({ node: n.id ?? String(i), path: `/${base}/${i}/rules/${j}`, rule })
      })
    })
  }
  walk(document.ruleSets, 'ruleSets')
  walk(document.flow, 'flow')
  return out
}

/** A copy of the document with one rule changed. */
export function withRule(document: StrategyDocument, path: string, change: Partial<StrategyRule>): StrategyDocument {
  const copy = structuredClone(document)
  const [, base, i, , j] = path.split('/')
  const nodes = (copy as Record<string, unknown>)[base!] as { rules: StrategyRule[] }[]
  const rule = nodes[Number(i)]!.rules[Number(j)]!
  Object.assign(rule, change)
  return copy
}

/** Each rule's condition (CEL) and action, editable; errors from the server point at them. `within`: only the rules of the node at this pointer (`/flow/2`). */
export function RuleEditor({ document, editable, errors, within, onChange }: { document: StrategyDocument; editable: boolean; errors: Record<string, string>; within?: string; onChange: (next: StrategyDocument) => void }) {
  const { t } = useTranslation()
  const rules = within === undefined ? rulesOf(document) : rulesOf(document).filter((r) => r.path.startsWith(`${within}/`))
  return (
    <Table<RuleAt>
      rowKey="path"
      size="small"
      pagination={false}
      dataSource={rules}
      aria-label={t('version.rules')}
      columns={[
        // within one node its name is the drawer's title
        ...(within === undefined ? [{ title: t('version.node'), dataIndex: 'node', width: 130 }] : []),
        { title: t('version.rule'), key: 'id', width: 190, render: (_, r) => <code>{r.rule.id}</code> },
        {
          title: t('version.when'),
          key: 'when',
          render: (_, r) => {
            const error = errors[`${r.path}/when`]
            return editable ? (
              <>
                <Input
                  aria-label={t('version.whenOf', { rule: r.rule.id })}
                  value={r.rule.when}
                  status={error ? 'error' : undefined}
                  onChange={(e) => onChange(withRule(document, r.path, { when: e.target.value }))}
                  className="mono"
                />
                {error && <Typography.Text type="danger">{error}</Typography.Text>}
              </>
            ) : (
              <code>{r.rule.when}</code>
            )
          },
        },
        {
          title: t('decision.action'),
          key: 'action',
          width: 140,
          render: (_, r) =>
            editable ? (
              <Select<Action>
                aria-label={t('version.actionOf', { rule: r.rule.id })}
                value={r.rule.action}
                style={{ width: 120 }}
                onChange={(action) => onChange(withRule(document, r.path, { action }))}
                options={actions.map((a) => ({ value: a, label: t(`action.${a}`) }))}
              />
            ) : (
              t(`action.${r.rule.action}`)
            ),
        },
        { title: t('version.reason'), key: 'reason', render: (_, r) => (r.rule.reason ? <Tag>{r.rule.reason.code}</Tag> : '—') },
      ]}
    />
  )
}
