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
