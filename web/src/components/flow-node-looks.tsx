import { ApartmentOutlined, BranchesOutlined, DashboardOutlined, FlagOutlined, OrderedListOutlined, TableOutlined } from '@ant-design/icons'
import type { TFunction } from 'i18next'
import type { ReactNode } from 'react'
import type { FlowNode, NodeKind } from './flow-structure.ts'

/** How each kind of node looks: an icon and a colour, the same in the diagram and its legend. */
export const kindLooks: Record<NodeKind, { icon: ReactNode; color: string }> = {
  ruleSet: { icon: <OrderedListOutlined />, color: '#1677ff' },
  decisionTable: { icon: <TableOutlined />, color: '#722ed1' },
  modelThreshold: { icon: <DashboardOutlined />, color: '#d46b08' },
  split: { icon: <BranchesOutlined />, color: '#08979c' },
  output: { icon: <FlagOutlined />, color: '#389e0d' },
}
export const unknownLook = { icon: <ApartmentOutlined />, color: '#8c8c8c' }

/** One line saying what a node does: its rules, hit policy, score and bands, shares, or action. */
export function summaryOf(t: TFunction, node: FlowNode): string {
  const count = (list: unknown) => (Array.isArray(list) ? list.length : 0)
  switch (node.type) {
    case 'ruleSet':
      return t('flowDiagram.summary.ruleSet', { count: count(node.rules), mode: node.mode === 'parallel' ? t('flowDiagram.parallel') : t('flowDiagram.serial') })
    case 'decisionTable':
      return t('flowDiagram.summary.decisionTable', { rows: count(node.rows), policy: t(`flowEditor.hitPolicies.${String(node.hitPolicy)}`) })
    case 'modelThreshold': {
      const bands = Array.isArray(node.bands) ? (node.bands as { when: unknown }[]) : []
      return t('flowDiagram.summary.modelThreshold', { score: String(node.score ?? ''), bands: bands.map((b) => String(b.when)).join(', ') })
    }
    case 'split': {
      const branches = Array.isArray(node.branches) ? (node.branches as { share: number }[]) : []
      return t('flowDiagram.summary.split', { by: t(`entity.${String(node.by)}`), shares: branches.map((b) => `${b.share}%`).join(' / ') })
    }
    case 'output': {
      const offer = node.offer as { limitMinor?: string; aprBps?: string } | undefined
      const parts = [node.action ? t(`action.${node.action as 'approve'}`) : t('flowDiagram.keepsAction')]
      if (node.reason) parts.push((node.reason as { code: string }).code)
      if (offer) parts.push(t('flowDiagram.withOffer'))
      return parts.join(' · ')
    }
    default:
      return t('flowDiagram.unknownKind', { type: String(node.type) })
  }
}
