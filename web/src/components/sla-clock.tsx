import { ClockCircleOutlined, WarningOutlined } from '@ant-design/icons'
import { Tag, Tooltip } from 'antd'
import { useTranslation } from 'react-i18next'
import type { ReviewCase } from '../api/types.ts'
import { dateTime, duration } from '../format.ts'
import { useNow } from './use-now.ts'

/** Time left before the case's SLA is breached, or how long ago it was; closed cases say whether they made it. */
export function SlaClock({ reviewCase }: { reviewCase: Pick<ReviewCase, 'status' | 'dueAtMs' | 'closedAtMs'> }) {
  const { t } = useTranslation()
  const now = useNow()
  const due = reviewCase.dueAtMs
  const tip = `${t('case.slaDue')}: ${dateTime(due)}`
  if (reviewCase.status === 'closed') {
    const late = (reviewCase.closedAtMs ?? 0) > due
    return (
      <Tooltip title={tip}>
        <Tag color={late ? 'red' : 'green'}>{late ? t('sla.closedLate') : t('sla.closedInTime')}</Tag>
      </Tooltip>
    )
  }
  const left = due - now
  if (left <= 0) {
    return (
      <Tooltip title={tip}>
        <Tag color="red" icon={<WarningOutlined />}>
          {t('sla.breachedAgo', { time: duration(-left) })}
        </Tag>
      </Tooltip>
    )
  }
  return (
    <Tooltip title={tip}>
      <Tag color={left < 15 * 60_000 ? 'orange' : 'default'} icon={<ClockCircleOutlined />}>
        {t('sla.left', { time: duration(left) })}
      </Tag>
    </Tooltip>
  )
}
