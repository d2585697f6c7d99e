import { UserAddOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Card, Checkbox, Form, Input, Space, Table, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { api } from '../api/client.ts'
import type { Role, User } from '../api/types.ts'
import { problemText } from './problem-text.ts'

const roles: Role[] = ['reviewer', 'analyst', 'approver', 'admin']

/** Workbench users (admins): who may review, write strategies, approve. */
export function UsersPage() {
  const { t } = useTranslation()
  const client = useQueryClient()
  const { message } = App.useApp()
  const [form] = Form.useForm<{ username: string; displayName?: string; password: string; roles: Role[] }>()
  const users = useQuery({ queryKey: ['users'], queryFn: () => api.get<{ items: (User & { disabled?: boolean })[] }>('/v1/users') })
  const add = useMutation({
    mutationFn: (values: { username: string; displayName?: string; password: string; roles: Role[] }) => api.post<User>('/v1/users', values),
    onSuccess: () => {
      form.resetFields()
      void client.invalidateQueries({ queryKey: ['users'] })
      void message.success(t('users.added'))
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('users.title')}</Typography.Title>
      <Table
        rowKey="username"
        size="middle"
        loading={users.isPending}
        pagination={false}
        dataSource={users.data?.items ?? []}
        columns={[
          { title: t('signIn.username'), dataIndex: 'username' },
          { title: t('users.displayName'), dataIndex: 'displayName' },
          { title: t('users.roles'), dataIndex: 'roles', render: (r: Role[]) => r.map((role) => <Tag key={role}>{t(`role.${role}`)}</Tag>) },
        ]}
      />
      <Card size="small" title={t('users.add')}>
        <Form form={form} layout="vertical" name="add-user" onFinish={(values) => add.mutate(values)} style={{ maxWidth: 480 }}>
          <Form.Item name="username" label={t('signIn.username')} rules={[{ required: true }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="displayName" label={t('users.displayName')}>
            <Input />
          </Form.Item>
          <Form.Item name="password" label={t('signIn.password')} rules={[{ required: true, min: 10, message: t('users.passwordRule') }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="roles" label={<span id="user-roles-label">{t('users.roles')}</span>} rules={[{ required: true, message: t('users.rolesRequired') }]}>
            <Checkbox.Group aria-labelledby="user-roles-label" options={roles.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
          </Form.Item>
          <Button type="primary" htmlType="submit" icon={<UserAddOutlined />} loading={add.isPending}>
            {t('users.addButton')}
          </Button>
        </Form>
      </Card>
    </Space>
  )
}
