import { App as AntApp, ConfigProvider, Spin } from 'antd'
import enUS from 'antd/locale/en_US'
import zhCN from 'antd/locale/zh_CN'
import { lazy, Suspense } from 'react'
import { useTranslation } from 'react-i18next'
import { BrowserRouter, Navigate, Route, Routes } from 'react-router'
import type { Role } from './api/types.ts'
import { Shell } from './layout.tsx'
import { BacktestPage } from './pages/backtest-page.tsx'
import { CasePage } from './pages/case-page.tsx'
import { DecisionPage } from './pages/decision-page.tsx'
import { DecisionsPage } from './pages/decisions-page.tsx'
import { QueuePage } from './pages/queue-page.tsx'
import { SignInPage } from './pages/sign-in-page.tsx'
import { StrategiesPage } from './pages/strategies-page.tsx'
import { StrategyPage } from './pages/strategy-page.tsx'
import { UsersPage } from './pages/users-page.tsx'
import { VersionPage } from './pages/version-page.tsx'
import { SessionProvider, useSession } from './session.tsx'

// the charts (echarts) load only when a dashboard is opened
const DashboardsPage = lazy(() => import('./pages/dashboards-page.tsx'))
const ModelMonitoringPage = lazy(() => import('./pages/model-monitoring-page.tsx'))
// the graph (cytoscape) loads only when it is opened
const GraphPage = lazy(() => import('./pages/graph-page.tsx'))
const RingsPage = lazy(() => import('./pages/rings-page.tsx'))

export function App() {
  const { i18n } = useTranslation()
  return (
    <ConfigProvider locale={i18n.language === 'zh' ? zhCN : enUS} theme={{ token: { colorPrimary: '#1f5fa8', borderRadius: 4 } }}>
      <AntApp>
        <SessionProvider>
          <BrowserRouter>
            <Routed />
          </BrowserRouter>
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  )
}

/** The first screen of each role. */
export function homeOf(can: (...roles: Role[]) => boolean): string {
  if (can('reviewer')) return '/queue'
  if (can('approver', 'analyst')) return '/strategies'
  return '/decisions'
}

function Routed() {
  const { user, loading, can } = useSession()
  if (loading) return <Spin fullscreen />
  if (!user) return <SignInPage />
  const only = (roles: Role[], element: React.ReactElement) => (can(...roles) ? element : <Navigate to={homeOf(can)} replace />)
  return (
    <Shell>
      <Suspense fallback={<Spin />}>
        <Routes>
          <Route path="/" element={<Navigate to={homeOf(can)} replace />} />
          <Route path="/queue" element={<QueuePage />} />
          <Route path="/cases/:id" element={<CasePage />} />
          <Route path="/decisions" element={<DecisionsPage />} />
          <Route path="/decisions/:id" element={<DecisionPage />} />
          <Route path="/graph" element={<GraphPage />} />
          <Route path="/rings" element={<RingsPage />} />
          <Route path="/strategies" element={<StrategiesPage />} />
          <Route path="/strategies/:id" element={<StrategyPage />} />
          <Route path="/strategies/:id/versions/:version" element={<VersionPage />} />
          <Route path="/backtests/:id" element={<BacktestPage />} />
          <Route path="/dashboards" element={<DashboardsPage />} />
          <Route path="/monitoring" element={only(['analyst', 'approver'], <ModelMonitoringPage />)} />
          <Route path="/users" element={only(['admin'], <UsersPage />)} />
          <Route path="*" element={<Navigate to={homeOf(can)} replace />} />
        </Routes>
      </Suspense>
    </Shell>
  )
}
