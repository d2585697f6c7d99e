import { useMutation } from '@tanstack/react-query'
import { App, Form, Input, Modal, Radio, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { api } from '../api/client.ts'
import { type Action, type Disposition, dispositions, type ReviewCase } from '../api/types.ts'
import { problemText } from '../pages/problem-text.ts'

/** The label each disposition gives the event, and what the held decision becomes (docs/review-desk.md). */
export const dispositionEffects: Record<Disposition, { label: string; resolution: Action }> = {
  confirmed_fraud: { label: 'fraud', resolution: 'reject' },
  scam_victim_dissuaded: { label: 'scam_victim', resolution: 'reject' },
  legitimate_approve: { label: 'legitimate', resolution: 'approve' },
  credit_risk: { label: 'credit_risk', resolution: 'reject' },
}

/** How a ring case may close (docs/review-desk.md): a fraud ring, each member user labelled fraud; or dismissed, nothing labelled. */
const ringDispositions: Disposition[] = ['confirmed_fraud', 'legitimate_approve']

/** Closes the held case with a disposition: it becomes a label event and resolves the held application or drawdown; a ring case's labels its users or nothing. */
export function CloseCaseDialog({ open, caseId, eventType, ring = false, onClose, onClosed }: { open: boolean; caseId: string; eventType: string | null; ring?: boolean; onClose: () => void; onClosed: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [form] = Form.useForm<{ disposition: Disposition; notes?: string }>()
  const chosen = Form.useWatch('disposition', form)
  const close = useMutation({
    mutationFn: (values: { disposition: Disposition; notes?: string }) =>
      api.post<ReviewCase>(`/v1/cases/${encodeURIComponent(caseId)}/close`, { disposition: values.disposition, ...(values.notes ? { notes: values.notes } : {}) }),
    onSuccess: () => {
      form.resetFields()
      void message.success(t('close.done'))
      onClosed()
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  return (
    <Modal
      open={open}
      title={t('close.title')}
      okText={t('close.submit')}
      cancelText={t('common.cancel')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={close.isPending}
      forceRender
    >
      <Form form={form} layout="vertical" name="close" onFinish={(values) => close.mutate(values)}>
        <Form.Item name="disposition" label={<span id="close-disposition-label">{t('close.disposition')}</span>} rules={[{ required: true, message: t('close.dispositionRequired') }]}>
          <Radio.Group aria-labelledby="close-disposition-label" className="vertical-radios">
            {(ring ? ringDispositions : dispositions).map((d) => (
              <Radio key={d} value={d}>
                {ring && d === 'legitimate_approve' ? t('ringCase.dismiss') : t(`disposition.${d}`)}
              </Radio>
            ))}
          </Radio.Group>
        </Form.Item>
        {chosen && ring && (
          <Typography.Paragraph type="secondary" data-testid="close-effect">
            {chosen === 'confirmed_fraud' ? t('ringCase.effectFraud') : t('ringCase.effectDismiss')}
          </Typography.Paragraph>
        )}
        {chosen && !ring && (
          <Typography.Paragraph type="secondary" data-testid="close-effect">
            {t('close.effect', { label: dispositionEffects[chosen].label, eventType, resolution: t(`action.${dispositionEffects[chosen].resolution}`) })}
          </Typography.Paragraph>
        )}
        <Form.Item name="notes" label={t('close.notes')}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  )
}
