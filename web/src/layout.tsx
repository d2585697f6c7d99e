import { AlertOutlined, AreaChartOutlined, AuditOutlined, BranchesOutlined, ClusterOutlined, DeploymentUnitOutlined, LogoutOutlined, SearchOutlined, TeamOutlined, LineChartOutlined } from '@ant-design/icons'
import { Button, Layout, Menu, Segmented, Space, Tag, Typography } from 'antd'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useLocation } from 'react-router'
import type { Role } from './api/types.ts'
import { type Language, setLanguage } from './i18n/i18n.ts'
import { useSession } from './session.tsx'

interface NavItem {
  path: string
  label: string
  icon: ReactNode
  roles: Role[]
}

const allRoles: Role[] = ['reviewer', 'analyst', 'approver', 'admin']

export function LanguageSwitch() {
  const { t, i18n } = useTranslation()
  return (
    <Segmented<Language>
      aria-label={t('nav.language')}
      size="small"
      value={i18n.language === 'zh' ? 'zh' : 'en'}
      options={[
        { label: '简体中文', value: 'zh' },
        { label: 'English', value: 'en' },
      ]}
      onChange={(value) => void setLanguage(value)}
    />
  )
}

/** The frame of every screen: navigation by role, the language, who is signed in. */
export function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation()
  const { user, tenantId, can, signOut } = useSession()
  const location = useLocation()
  const items: NavItem[] = [
    { path: '/queue', label: t('nav.queue'), icon: <AuditOutlined />, roles: allRoles },
    { path: '/decisions', label: t('nav.decisions'), icon: <SearchOutlined />, roles: allRoles },
    { path: '/graph', label: t('graph.nav'), icon: <DeploymentUnitOutlined />, roles: allRoles },
    { path: '/rings', label: t('rings.nav'), icon: <ClusterOutlined />, roles: allRoles },
    { path: '/strategies', label: t('nav.strategies'), icon: <BranchesOutlined />, roles: ['analyst', 'approver'] },
    { path: '/dashboards', label: t('nav.dashboards'), icon: <AreaChartOutlined />, roles: allRoles },
    { path: '/monitoring', label: t('nav.monitoring'), icon: <LineChartOutlined />, roles: ['analyst', 'approver'] },
    { path: '/users', label: t('nav.users'), icon: <TeamOutlined />, roles: ['admin'] },
  ]
  const visible = items.filter((item) => can(...item.roles))
  const selected = visible.find((item) => location.pathname.startsWith(item.path) || (item.path === '/queue' && location.pathname.startsWith('/cases')))
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="skip-link" href="#main">
        {t('nav.skipToContent')}
      </a>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} width={208} theme="dark">
        <div className="brand">
          <AlertOutlined /> <span>{t('app.name')}</span>
        </div>
        <nav aria-label={t('nav.main')}>
          <Menu
            theme="dark"
            mode="inline"
            selectedKeys={selected ? [selected.path] : []}
            items={visible.map((item) => ({ key: item.path, icon: item.icon, label: <Link to={item.path}>{item.label}</Link> }))}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header className="top-bar">
          <Typography.Text className="top-title">{t('app.title')}</Typography.Text>
          <Space size="middle">
            <LanguageSwitch />
            {tenantId && (
              <Tag color="geekblue" data-testid="tenant">
                {t('nav.tenant', { tenant: tenantId })}
              </Tag>
            )}
            <span data-testid="signed-in-user">
              {user?.displayName || user?.username}{' '}
              {user?.roles.map((role) => (
                <Tag key={role}>{t(`role.${role}`)}</Tag>
              ))}
            </span>
            <Button icon={<LogoutOutlined />} onClick={() => void signOut()}>
              {t('nav.signOut')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content className="content" id="main" tabIndex={-1}>
          {children}
        </Layout.Content>
      </Layout>
    </Layout>
  )
}
