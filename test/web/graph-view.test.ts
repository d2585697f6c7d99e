/**
 * The graph view in a real browser (Debian's chromium, playwright-core): a
 * ring of four users on one device and phone, three labelled fraud, opens a
 * ring case at the next hourly computation → the case shows the ring and
 * its subgraph (drawn, and listed for the keyboard) → open a member in the
 * graph page → expand the shared device from the accessible list → the
 * ring's other users are merged in, and the node panel shows the ring and
 * the node's decisions; a decision opens its user's neighbourhood. No
 * value of an entity appears on these pages.
 * Screenshots go to test-artifacts/screens.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { defaultTenant } from '../../src/app/open-engine.ts'
import { en } from '../../web/src/i18n/en.ts'
import { exampleEvent } from '../support/temp-engine.ts'
import { ensureWebBuilt, openBrowser, type Session, screenshot, signIn, startWorkbench, unlabelledControls, type Workbench } from './workbench-harness.ts'

let wb: Workbench
let browser: Session
let ringCaseId = ''
let firstDecisionId = ''
const sharedPhone = '13900009999'

before(async () => {
  ensureWebBuilt()
  wb = await startWorkbench({ users: [['alice', ['reviewer'], 'Alice Reviewer']] })
  const hour = 3_600_000
  const base = Math.floor(wb.clock.nowMs() / hour) * hour - 3 * hour
  const at = (ms: number) => new Date(base + ms).toISOString()
  const decide = (event: unknown) => wb.engine.decisions.decide(defaultTenant, event)
  let n = 0
  const apply = async (user: string, atMs: number, device: string, phone: string) => {
    n++
    const id = `evt-graph-${n}`
    const reply = await decide(
      exampleEvent('credit.application', {
        id,
        occurredAt: at(atMs),
        data: { applicationId: `app-graph-${n}`, userId: user, deviceId: device, phone, idNumber: `11010119900307${String(n).padStart(4, '0')}`, ip: `198.51.100.${n}`, bankCard: `62220202001122${String(n).padStart(5, '0')}`, contacts: [], address: `地址 ${n}` },
      }),
    )
    firstDecisionId ||= (JSON.parse(reply.body) as { decisionId: string }).decisionId
    return id
  }
  const ring = []
  for (let i = 1; i <= 4; i++) ring.push(await apply(`ring-u${i}`, i * 60_000, 'dev-ring', sharedPhone))
  for (let i = 1; i <= 3; i++) await apply(`quiet-u${i}`, (5 + i) * 60_000, 'dev-quiet', '13900001111')
  for (let i = 0; i < 3; i++) await decide({ id: `label-${ring[i]}`, type: 'label', occurredAt: at((15 + i) * 60_000), data: { subjectEventId: ring[i], label: 'fraud', userId: `ring-u${i + 1}`, source: 'chargeback' } })
  // the next hour captures the rings (on the ring worker); the hour after applies them, and the ring's case opens
  await apply('someone-else', hour + 5 * 60_000, 'dev-else', '13900002222')
  await apply('someone-else', 2 * hour + 5 * 60_000, 'dev-else', '13900002222')
  await wb.engine.ringCases.settled()
  const cases = await wb.engine.cases.list({ tenantId: defaultTenant, queue: 'graph.ring', limit: 10 })
  assert.equal(cases.items.length, 1, 'one ring case')
  ringCaseId = cases.items[0]!.id
  browser = await openBrowser({ locale: 'en-US' })
})

after(async () => {
  await browser?.close()
  await wb?.close()
})

test('a ring case shows its subgraph; a member opens in the graph page and a node expands', async () => {
  const { page } = browser
  await signIn(page, wb.url, 'alice', { username: en.signIn.username, password: en.signIn.password })

  // the ring case: the ring's figures, its subgraph drawn and listed
  await page.goto(`${wb.url}/cases/${ringCaseId}`)
  await page.getByTestId('ring-card').waitFor()
  assert.match((await page.getByTestId('ring-card').textContent()) ?? '', /4 users/)
  await page.getByTestId('graph-canvas').waitFor()
  assert.equal(await page.getByTestId('subgraph-counts').textContent(), en.graph.counts.replace('{{nodes}}', '6').replace('{{edges}}', '8'))
  const memberRows = page.getByTestId('graph-nodes').locator('tbody tr')
  assert.equal(await memberRows.count(), 6)
  // a label marks its event's entities: three users, and the device and phone they share
  assert.equal(await page.getByTestId('graph-nodes').getByText('fraud').count(), 5)
  assert.ok(!(await page.content()).includes(sharedPhone), 'no value on the case page')
  await screenshot(page, 'graph-01-ring-case')

  // a member opens in the graph page, one hop out
  await page.getByTestId('open-in-graph').click()
  await page.waitForURL(/\/graph\?node=\d+&hops=1/)
  await page.getByTestId('graph-canvas').waitFor()
  await page.getByTestId('node-panel').waitFor()
  const before = (await page.getByTestId('graph-counts').textContent()) ?? ''
  const nodesBefore = Number(/^(\d+)/.exec(before)![1])
  assert.ok(nodesBefore >= 3, before)
  await page.getByTestId('node-ring').waitFor()
  assert.deepEqual(await unlabelledControls(page), [], 'form controls without a name on the graph page')
  await screenshot(page, 'graph-02-graph-page')

  // expand the shared device from the list (keyboard-usable): the ring's other users come in
  const expandDevice = page.getByRole('button', { name: new RegExp(`^${en.graph.expand} ${en.entity.device} #`) })
  await expandDevice.focus()
  await page.keyboard.press('Enter')
  await page.waitForFunction((n) => Number(/^(\d+)/.exec(document.querySelector('[data-testid=graph-counts]')?.textContent ?? '')?.[1]) > n, nodesBefore)
  const users = page.getByTestId('graph-nodes').locator('tbody tr').filter({ hasText: en.entity.user })
  assert.ok((await users.count()) >= 4, 'the four ring users after expanding the device')
  // the panel follows the expanded node: its decisions, and the ring case that names it
  const panel = page.getByTestId('node-panel')
  assert.match((await page.getByTestId('node-panel-name').textContent()) ?? '', /^#/)
  await panel.getByRole('link', { name: new RegExp(en.ringCase.name) }).waitFor()
  assert.ok((await panel.getByRole('link', { name: /credit\.application/ }).count()) >= 4)
  assert.ok(!(await page.content()).includes(sharedPhone), 'no value on the graph page')
  await screenshot(page, 'graph-03-expanded')

  // a decision opens its user's neighbourhood
  await page.goto(`${wb.url}/decisions/${firstDecisionId}`)
  await page.getByTestId('decision-graph-link').click()
  await page.waitForURL(/\/graph\?decision=/)
  await page.getByTestId('node-panel').waitFor()
  assert.match((await page.getByTestId('node-panel').textContent()) ?? '', new RegExp(en.entity.user))
  assert.deepEqual(browser.errors, [])
})
