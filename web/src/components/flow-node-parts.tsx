import { Alert, Input, Select, Space, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { type Action, actions, type NodeReason } from '../api/types.ts'

/**
 * Pieces the flow-node editors share. `errors` are the server's compile
 * errors of the last save, by pointer into the document
 * (`/flow/1/rows/0/when/1`), each shown at the control it concerns.
 */
export type PointerErrors = Record<string, string>

const under = (pointer: string, at: string) => pointer === at || pointer.startsWith(`${at}/`)

/** The errors at `at` or inside it. */
export function errorsAt(errors: PointerErrors, at: string): string[] {
  return Object.entries(errors)
    .filter(([pointer]) => under(pointer, at))
    .map(([, text]) => text)
}

/** The server's errors at one control (and inside it, unless `exact`), under it. */
export function FieldError({ errors, at, exact = false }: { errors: PointerErrors; at: string; exact?: boolean }) {
  const messages = exact ? (errors[at] === undefined ? [] : [errors[at]]) : errorsAt(errors, at)
  if (messages.length === 0) return null
  return (
    <Typography.Text type="danger" className="field-error">
      {messages.join('; ')}
    </Typography.Text>
  )
}

/** Errors inside a node that no control of its editor shows (a missing row, shares that do not add up): listed above it. */
export function NodeProblems({ errors, path, node, shown }: { errors: PointerErrors; path: string; node: string; shown: string[] }) {
  const { t } = useTranslation()
  const left = Object.entries(errors).filter(([pointer]) => under(pointer, path) && !shown.some((at) => under(pointer, at)))
  if (left.length === 0) return null
  return (
    <Alert
      type="error"
      showIcon
      title={t('flowEditor.problems', { node })}
      description={
        <ul className="node-problems">
          {left.map(([pointer, text]) => (
            <li key={pointer}>
              <code>{pointer}</code> {text}
            </li>
          ))}
        </ul>
      }
    />
  )
}

export const hasError = (errors: PointerErrors, at: string) => errorsAt(errors, at).length > 0

/** A row's or band's action. */
export function ActionSelect({ value, item, editable, onChange }: { value: Action; item: string; editable: boolean; onChange: (action: Action) => void }) {
  const { t } = useTranslation()
  return (
    <Select<Action>
      aria-label={t('flowEditor.actionOf', { item })}
      value={value}
      disabled={!editable}
      style={{ width: 120 }}
      onChange={onChange}
      options={actions.map((a) => ({ value: a, label: t(`action.${a}`) }))}
    />
  )
}

/** A reason: its code and its message in both languages (every decision that hits returns them). */
export function ReasonInputs({ value, item, editable, errors, at, onChange }: { value: NodeReason | undefined; item: string; editable: boolean; errors: PointerErrors; at: string; onChange: (reason: NodeReason) => void }) {
  const { t } = useTranslation()
  const reason = value ?? { code: '', zh: '', en: '' }
  const field = (key: keyof NodeReason, label: string, width: number) => (
    <Input
      aria-label={label}
      value={reason[key]}
      readOnly={!editable}
      status={hasError(errors, `${at}/${key}`) ? 'error' : undefined}
      style={{ width }}
      className={key === 'code' ? 'mono' : undefined}
      onChange={(e) => onChange({ ...reason, [key]: e.target.value })}
    />
  )
  return (
    <Space orientation="vertical" size={2}>
      <Space size={4} wrap>
        {field('code', t('flowEditor.reasonCodeOf', { item }), 170)}
        {field('zh', t('flowEditor.reasonZhOf', { item }), 170)}
        {field('en', t('flowEditor.reasonEnOf', { item }), 200)}
      </Space>
      <FieldError errors={errors} at={at} />
    </Space>
  )
}

/**
 * A cell's text as typed, kept as the type it had: a number stays a number
 * and true/false a boolean when the text still reads as one, so retyping a
 * cell does not show as a change in the diff.
 */
export function cellValue(text: string, before: unknown): string | number | boolean {
  if (typeof before === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text)
  if (typeof before === 'boolean' && (text === 'true' || text === 'false')) return text === 'true'
  return text
}
