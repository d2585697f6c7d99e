import type { GraphFeatureName } from './graph-measures.ts'

/** How strategies see each graph measure in CEL: counts and flags are ints, risks and shares doubles. */
export const graphFeatureCelTypes: Readonly<Record<GraphFeatureName, 'int' | 'double'>> = {
  graphNodes2h30d: 'int',
  graphUsers2h30d: 'int',
  riskUsers2h30d: 'int',
  riskNodes2h30d: 'int',
  usersPerDevice: 'int',
  usersPerPhone: 'int',
  usersPerContact: 'int',
  usersPerIp: 'int',
  usersPerBankCard: 'int',
  usersPerIdNumber: 'int',
  usersPerAddress: 'int',
  componentNodes: 'int',
  ringRisk: 'double',
  ringUsers: 'int',
  ringGrowth7d: 'double',
  propagatedRisk: 'double',
  graphSearchCapped: 'int',
}
