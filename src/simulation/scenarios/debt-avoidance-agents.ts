import { within } from '../activity-cycle.ts'
import type { Borrower, Population } from '../customers.ts'
import { mobilePhone } from '../identities.ts'
import { ipIn, pickCity } from '../places.ts'
import type { World } from '../world.ts'
import { between, days, minutes, occurrences } from './scenario-helpers.ts'

const templates = [
  (loanId: string) => `本人借据${loanId}遭受暴力催收，要求减免全部利息并停止催收，否则向监管部门投诉。`,
  (loanId: string) => `借据${loanId}利息过高属于违规放贷，要求只还本金并停息挂账，否则向监管部门投诉。`,
]

/**
 * Debt-avoidance agents (债闹): people who sell "debt relief" — they file
 * complaints for their clients in batches, from the agent's own phones and
 * network, with the same template text, to pressure the lender into waiving
 * interest. The complaints desk recognises the campaign 3–10 days later.
 *
 * Their clients stop paying while the complaint is pending, so the loans
 * reach 30 days past due (labelled `default`, with the agent as actor).
 *
 * Signals: complaints for many different customers from one phone or IP;
 * bursts within an hour; near-identical text; regulator and social channels;
 * then missed instalments of the same customers.
 */
export function startDebtAvoidanceAgents(world: World, population: Population): void {
  const random = world.random('debt-avoidance-agents')
  const { per10kCustomers, clients } = world.config.debtAvoidanceAgents
  const agents = occurrences(random, (per10kCustomers * world.options.customers * world.months) / 10_000)
  for (let a = 0; a < agents; a++) {
    const agentId = `debt-agent-${a + 1}`
    const city = pickCity(random)
    const phones = Array.from({ length: random.int(1, 3) }, () => mobilePhone(random))
    const ips = Array.from({ length: random.int(1, 2) }, () => ipIn(random, city))
    const template = random.pick(templates)
    world.at(within(random, world.startMs + (world.endMs - world.startMs) * 0.3, world.endMs, 'office'), () => {
      const chosen = new Set<Borrower>()
      const wanted = Math.min(between(random, clients), population.borrowers.length)
      for (let attempt = 0; chosen.size < wanted && attempt < wanted * 10; attempt++) chosen.add(random.pick(population.borrowers))
      let at = world.now
      for (const client of chosen) {
        at += random.int(minutes(1), minutes(8))
        world.at(at, () => {
          const complaintId = world.emit('complaint', {
            complaintId: `Q${String(world.next('complaint')).padStart(9, '0')}`,
            userId: client.profile.userId,
            phone: random.pick(phones),
            ip: random.pick(ips),
            channel: random.pick(['regulator', 'regulator', 'social', 'hotline']),
            category: random.pick(['collection_harassment', 'illegal_interest']),
            text: template(client.loan.loanId),
          })
          world.truth({ eventId: complaintId, eventType: 'complaint', scenario: 'debt_avoidance_agent', label: 'complaint_agent', knownAtMs: world.now + random.int(days(3), days(10)), userId: client.profile.userId, actorId: agentId })
          // the agent's advice: stop paying while the complaint is pending
          if (!client.defaults) client.loan.stoppedPaying ??= { atMs: world.now, advisedBy: agentId }
        })
      }
    })
  }
}
