import { LockOutlined, UserOutlined } from '@ant-design/icons'
import { Alert, Button, Card, Form, Input, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../api/client.ts'
import { LanguageSwitch } from '../layout.tsx'
import { useSession } from '../session.tsx'

export function SignInPage() {
  const { t } = useTranslation()
  const { signIn } = useSession()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (values: { username: string; password: string }) => {
    setBusy(true)
    setError(null)
    try {
      await signIn(values.username, values.password)
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? t('signIn.refused') : t('common.failed', { message: (caught as Error).message }))
    } finally {
      setBusy(false)
    }
  }
  return (
    <main className="sign-in">
      <Card className="sign-in-card" title={<Typography.Title level={1} className="sign-in-title">{t('app.title')}</Typography.Title>} extra={<LanguageSwitch />}>
        <Typography.Paragraph type="secondary">{t('signIn.intro')}</Typography.Paragraph>
        {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
        <Form layout="vertical" onFinish={submit} requiredMark={false} name="sign-in">
          <Form.Item label={t('signIn.username')} name="username" rules={[{ required: true, message: t('signIn.usernameRequired') }]}>
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t('signIn.password')} name="password" rules={[{ required: true, message: t('signIn.passwordRequired') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('signIn.submit')}
          </Button>
        </Form>
      </Card>
    </main>
  )
}
