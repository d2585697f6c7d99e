import { DatePicker } from 'antd'
import type { Dayjs } from 'dayjs'
import { type ComponentProps, useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'

type RangeProps = ComponentProps<typeof DatePicker.RangePicker>

/**
 * A date range whose two inputs each have a name ("Period, start" and
 * "Period, end"): a form label names only the first input of antd's
 * RangePicker, leaving the end unnamed for screen readers.
 */
export function LabelledRange({ label, ...props }: RangeProps & { label: string; value: [Dayjs, Dayjs] }) {
  const { t } = useTranslation()
  const wrapper = useRef<HTMLSpanElement>(null)
  useEffect(() => {
    const inputs = wrapper.current?.querySelectorAll('input') ?? []
    inputs[0]?.setAttribute('aria-label', `${label} ${t('common.rangeStart')}`)
    inputs[1]?.setAttribute('aria-label', `${label} ${t('common.rangeEnd')}`)
  })
  return (
    <span ref={wrapper}>
      <DatePicker.RangePicker {...props} />
    </span>
  )
}

/** A period as a form field (the decision explorer's, the graph's): antd's Form gives value and onChange. */
export function PeriodField({ id, label, value, onChange }: { id?: string; label: string; value?: [Dayjs, Dayjs] | null; onChange?: (value: [Dayjs, Dayjs] | null) => void }) {
  return (
    <LabelledRange
      {...(id ? { id } : {})}
      label={label}
      value={value as [Dayjs, Dayjs]}
      allowEmpty={[true, true]}
      showTime={{ format: 'HH:mm' }}
      format="YYYY-MM-DD HH:mm"
      onChange={(range) => onChange?.(range?.[0] && range[1] ? [range[0], range[1]] : null)}
    />
  )
}
