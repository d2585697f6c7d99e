import { Tooltip } from 'antd'
import { useTranslation } from 'react-i18next'
import type { Rate } from '../api/types.ts'
import { percent } from '../format.ts'

/** A rate with its 95 % Wilson interval. */
export function RateCell({ rate }: { rate: Rate }) {
  const { t } = useTranslation()
  if (rate.rate === null) return <span>— ({rate.count}/{rate.of})</span>
  return (
    <Tooltip title={t('arms.interval', { low: percent(rate.low), high: percent(rate.high), count: rate.count, of: rate.of })}>
      <span>
        {percent(rate.rate)} <span className="interval">[{percent(rate.low, 1)}–{percent(rate.high, 1)}]</span>
      </span>
    </Tooltip>
  )
}
