import { Tag } from 'antd'
import { useTranslation } from 'react-i18next'
import type { Action, CaseRisk, CaseStatus, VersionState } from '../api/types.ts'

const actionColors: Record<Action, string> = { approve: 'green', step_up: 'gold', review: 'orange', reject: 'red' }
const riskColors: Record<CaseRisk, string> = { high: 'red', medium: 'orange', low: 'blue' }
const statusColors: Record<CaseStatus, string> = { open: 'processing', claimed: 'purple', closed: 'default' }
const stateColors: Record<VersionState, string> = { draft: 'default', submitted: 'gold', approved: 'cyan', rejected: 'red', withdrawn: 'default', live: 'green', retired: 'default' }

export function ActionTag({ action }: { action: Action | null | undefined }) {
  const { t } = useTranslation()
  if (!action) return <>—</>
  return <Tag color={actionColors[action]}>{t(`action.${action}`)}</Tag>
}

export function RiskTag({ risk }: { risk: CaseRisk }) {
  const { t } = useTranslation()
  return <Tag color={riskColors[risk]}>{t(`risk.${risk}`)}</Tag>
}

export function StatusTag({ status }: { status: CaseStatus }) {
  const { t } = useTranslation()
  return <Tag color={statusColors[status]}>{t(`caseStatus.${status}`)}</Tag>
}

export function StateTag({ state }: { state: VersionState }) {
  const { t } = useTranslation()
  return <Tag color={stateColors[state]}>{t(`versionState.${state}`)}</Tag>
}
