import { PhoneOutlined } from '@ant-design/icons'
import { useMutation } from '@tanstack/react-query'
import { App, Button, Card, DatePicker, Form, Input, Radio, Space, Typography } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useTranslation } from 'react-i18next'
import { api, serverNow } from '../api/client.ts'
import { type CallOutcome, callOutcomes, type ReviewCase } from '../api/types.ts'
import { dateTime } from '../format.ts'
import { problemText } from '../pages/problem-text.ts'

interface CallValues {
  outcome: CallOutcome
  notes?: string
  callbackAt?: Dayjs | null
}

/** Quick call-back times, counted from the server's now in the reviewer's time zone. */
function quickTimes(): { key: string; at: Dayjs }[] {
  const now = dayjs(serverNow())
  const at = (day: Dayjs, hour: number) => day.hour(hour).minute(0).second(0).millisecond(0)
  const options = [
    { key: 'inTwoHours', at: now.add(2, 'hour').second(0).millisecond(0) },
    { key: 'today18', at: at(now, 18) },
    { key: 'tomorrow10', at: at(now.add(1, 'day'), 10) },
    { key: 'tomorrow15', at: at(now.add(1, 'day'), 15) },
  ]
  return options.filter((o) => o.at.valueOf() > now.valueOf())
}

/** Logs a call attempt (电核) with its outcome and notes, optionally scheduling a call-back; the case then waits in the queue until that time. */
export function CallForm({ caseId, onLogged }: { caseId: string; onLogged: (callbackScheduled: boolean) => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [form] = Form.useForm<CallValues>()
  const callbackAt = Form.useWatch('callbackAt', form)
  const log = useMutation({
    mutationFn: (values: CallValues) =>
      api.post<ReviewCase>(`/v1/cases/${encodeURIComponent(caseId)}/calls`, {
        outcome: values.outcome,
        ...(values.notes ? { notes: values.notes } : {}),
        ...(values.callbackAt ? { callbackAt: values.callbackAt.toISOString() } : {}),
      }),
    onSuccess: (_, values) => {
      form.resetFields()
      if (values.callbackAt) void message.success(t('call.scheduled', { at: dateTime(values.callbackAt.valueOf()) }))
      else void message.success(t('call.logged'))
      onLogged(!!values.callbackAt)
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  return (
    <Card size="small" title={<><PhoneOutlined /> {t('call.title')}</>}>
      <Form form={form} layout="vertical" name="call" onFinish={(values) => log.mutate(values)}>
        <Form.Item name="outcome" label={<span id="call-outcome-label">{t('call.outcome')}</span>} rules={[{ required: true, message: t('call.outcomeRequired') }]}>
          <Radio.Group aria-labelledby="call-outcome-label" className="vertical-radios">
            {callOutcomes.map((outcome) => (
              <Radio key={outcome} value={outcome}>
                {t(`outcome.${outcome}`)}
              </Radio>
            ))}
          </Radio.Group>
        </Form.Item>
        <Form.Item name="notes" label={t('call.notes')}>
          <Input.TextArea rows={3} maxLength={2000} showCount placeholder={t('call.notesPlaceholder')} />
        </Form.Item>
        <Form.Item label={t('call.callbackAt')} name="callbackAt" extra={t('call.callbackHint')}>
          <DatePicker showTime={{ format: 'HH:mm', minuteStep: 5 }} format="YYYY-MM-DD HH:mm" disabledDate={(d) => d.isBefore(dayjs(serverNow()), 'day')} style={{ width: '100%' }} />
        </Form.Item>
        <Space wrap style={{ marginBottom: 16 }} role="group" aria-label={t('call.quickTimes')}>
          {quickTimes().map(({ key, at }) => (
            <Button key={key} size="small" type={callbackAt && callbackAt.valueOf() === at.valueOf() ? 'primary' : 'default'} onClick={() => form.setFieldValue('callbackAt', at)}>
              {t(`call.quick.${key}`)}
            </Button>
          ))}
        </Space>
        {callbackAt && (
          <Typography.Paragraph type="secondary" data-testid="callback-summary">
            {t('call.willCallBack', { at: dateTime(callbackAt.valueOf()) })}
          </Typography.Paragraph>
        )}
        <Button type="primary" htmlType="submit" loading={log.isPending} block>
          {callbackAt ? t('call.logAndSchedule') : t('call.log')}
        </Button>
      </Form>
    </Card>
  )
}
