/**
 * The investigator's rings list and shareable graph in a real browser
 * (Debian's chromium, playwright-core): a ring of four users on one device
 * and phone, three labelled fraud, and three quiet users on another (a
 * household: cohesive, but too few for a case without labels).
 * - the suspect-rings page lists the ring first with its members by kind,
 *   labelled users and its case; it sorts by a column and filters by size,
 *   all kept in the address; a ring opens in the graph and in its case;
 * - the graph page's address keeps the filters (edge types too) and every
 *   expansion: the link opened afresh draws the same picture, and back and
 *   forward step through the expansions;
 * - a reviewer excludes a member of the ring case, saying why, then closes
 *   it as confirmed fraud: three users labelled, the excluded one not.
 * No value of an entity appears on these pages. Screenshots go to
 * test-artifacts/screens.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { defaultTenant } from '../../src/app/open-engine.ts'
import { en } from '../../web/src/i18n/en.ts'
import { zh } from '../../web/src/i18n/zh.ts'
import { exampleEvent } from '../support/temp-engine.ts'
import { ensureWebBuilt, openBrowser, type Session, screenshot, signIn, startWorkbench, unlabelledControls, type Workbench } from './workbench-harness.ts'

let wb: Workbench
let browser: Session
let ringCaseId = ''
const sharedPhone = '13900009999'
const counted = (text: string | null) => Number(/^(\d+)/.exec(text ?? '')?.[1])

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
    const id = `evt-rings-${n}`
    await decide(
      exampleEvent('credit.application', {
        id,
        occurredAt: at(atMs),
        data: { applicationId: `app-rings-${n}`, userId: user, deviceId: device, phone, idNumber: `11010119900307${String(n).padStart(4, '0')}`, ip: `198.51.100.${n}`, bankCard: `62220202001122${String(n).padStart(5, '0')}`, contacts: [], address: `地址 ${n}` },
      }),
    )
    return id
  }
  const ring = []
  for (let i = 1; i <= 4; i++) ring.push(await apply(`ring-u${i}`, i * 60_000, 'dev-ring', sharedPhone))
  for (let i = 1; i <= 3; i++) await apply(`quiet-u${i}`, (5 + i) * 60_000, 'dev-quiet', '13900001111')
  for (let i = 0; i < 3; i++) await decide({ id: `label-${ring[i]}`, type: 'label', occurredAt: at((15 + i) * 60_000), data: { subjectEventId: ring[i], label: 'fraud', userId: `ring-u${i + 1}`, source: 'chargeback' } })
  // the next hour captures the rings (on the ring worker); the hour after applies them
  await apply('someone-else', hour + 5 * 60_000, 'dev-else', '13900002222')
  await apply('someone-else', 2 * hour + 5 * 60_000, 'dev-else', '13900002222')
  await wb.engine.ringCases.settled()
  const cases = await wb.engine.cases.list({ tenantId: defaultTenant, queue: 'graph.ring', limit: 10 })
  assert.equal(cases.items.length, 1, 'one ring case')
  ringCaseId = cases.items[0]!.id
  browser = await openBrowser({ locale: 'en-US' })
  await signIn(browser.page, wb.url, 'alice', { username: en.signIn.username, password: en.signIn.password })
})

after(async () => {
  await browser?.close()
  await wb?.close()
})

test('the suspect-rings page: riskiest first with members, labels and case; sorts and filters in the address; opens the ring in the graph', async () => {
  const { page } = browser
  await page.getByRole('link', { name: en.rings.nav }).click()
  await page.waitForURL(/\/rings$/)
  const rows = page.getByTestId('rings-table').locator('tbody tr.ant-table-row')
  await rows.first().waitFor()
  assert.equal(await rows.count(), 2, 'the labelled ring and the quiet cohesive one')
  const first = rows.first()
  const text = (await first.textContent()) ?? ''
  assert.match(text, new RegExp(`${en.entity.user} 4`))
  assert.match(text, new RegExp(`${en.entity.device} 1`))
  assert.match(text, /fraud 3/)
  assert.equal(await first.getByTestId('ring-case-link').getAttribute('href'), `/cases/${ringCaseId}`)
  assert.equal(await rows.nth(1).getByTestId('ring-case-link').count(), 0, 'the quiet ring has no case')
  // found at the one computation applied so far: a new ring under its id
  assert.match((await first.getByTestId('ring-since').textContent()) ?? '', new RegExp(`${en.rings.sizeNew}$`))
  assert.match((await page.getByTestId('rings-summary').textContent()) ?? '', /^2 rings/)
  assert.ok(!(await page.content()).includes(sharedPhone), 'no value on the rings page')
  assert.deepEqual(await unlabelledControls(page), [], 'form controls without a name on the rings page')
  await screenshot(page, 'rings-01-list')

  // sort by labelled users, fewest first: the address says so, and the quiet ring comes first
  const labelledHeader = page.getByRole('columnheader', { name: en.rings.col.labelled, exact: true })
  const loaded = () => page.waitForFunction(() => document.querySelector('[data-testid=rings-table] .ant-spin-spinning') === null)
  await labelledHeader.click()
  await page.waitForURL(/sort=riskUsers/)
  await loaded()
  await page.waitForFunction((name) => document.querySelector(`th[aria-label="${name}"]`)?.getAttribute('aria-sort') === 'descending', en.rings.col.labelled)
  await labelledHeader.click()
  await page.waitForURL(/sort=riskUsers&order=asc/)
  await page.waitForFunction(() => {
    const top = document.querySelector('[data-testid=rings-table] tbody tr.ant-table-row')
    return top !== null && top.querySelector('[data-testid=ring-case-link]') === null
  })
  // only rings whose risk reaches 0.5, cohesive ones left out, from the address alone
  await page.goto(`${wb.url}/rings?minRisk=0.5&cohesive=false`)
  await rows.first().waitFor()
  assert.equal(await rows.count(), 1)
  assert.match(await page.getByLabel(en.rings.minRisk).inputValue(), /^0\.50?$/)
  assert.equal(await page.getByRole('checkbox', { name: en.rings.cohesive }).isChecked(), false)

  // the ring opens in the graph, at its shared device or phone, two hops out: the four users
  await first.getByTestId('ring-graph-link').click()
  await page.waitForURL(/\/graph\?node=\d+&hops=2/)
  await page.getByTestId('graph-canvas').waitFor()
  await page.waitForFunction(() => /^\d+/.test(document.querySelector('[data-testid=graph-counts]')?.textContent ?? ''))
  const users = page.getByTestId('graph-nodes').locator('tbody tr').filter({ hasText: en.entity.user })
  assert.ok((await users.count()) >= 4, 'the ring’s four users')

  // and in Chinese
  const zhBrowser = await openBrowser()
  try {
    await signIn(zhBrowser.page, wb.url, 'alice', { username: zh.signIn.username, password: zh.signIn.password })
    await zhBrowser.page.goto(`${wb.url}/rings`)
    await zhBrowser.page.getByTestId('rings-table').locator('tbody tr.ant-table-row').first().waitFor()
    assert.match((await zhBrowser.page.getByTestId('rings-summary').textContent()) ?? '', /共 2 个团伙/)
    await screenshot(zhBrowser.page, 'rings-02-list-zh')
    assert.deepEqual(zhBrowser.errors, [])
  } finally {
    await zhBrowser.close()
  }
  assert.deepEqual(browser.errors, [])
})

test('the graph page’s address keeps filters and expansions: a shared link redraws the picture; back and forward step through it', async () => {
  const { page, context } = browser
  const caseView = (await (await page.request.get(`${wb.url}/v1/cases/${ringCaseId}`)).json()) as { subgraph: { nodes: { id: number; kind: string }[] } }
  const user = caseView.subgraph.nodes.find((n) => n.kind === 'user')!.id
  const device = caseView.subgraph.nodes.find((n) => n.kind === 'device')!.id
  const phone = caseView.subgraph.nodes.find((n) => n.kind === 'phone')!.id
  await page.goto(`${wb.url}/graph?node=${user}&hops=1`)
  await page.getByTestId('graph-canvas').waitFor()
  await page.waitForFunction(() => /^\d+/.test(document.querySelector('[data-testid=graph-counts]')?.textContent ?? ''))
  const start = await page.getByTestId('graph-counts').textContent()

  const expand = async (node: number, kind: string) => {
    // nodes or edges are added: the phone brings no node the device did not, but its edges
    const before = await page.getByTestId('graph-counts').textContent()
    await page.getByRole('button', { name: new RegExp(`^${en.graph.expand} ${kind} #`) }).click()
    await page.waitForFunction((id) => (new URLSearchParams(location.search).get('x') ?? '').split(',').includes(String(id)), node)
    await page.waitForFunction((text) => document.querySelector('[data-testid=graph-counts]')?.textContent !== text, before)
  }
  await expand(device, en.entity.device)
  const afterDevice = await page.getByTestId('graph-counts').textContent()
  assert.ok(counted(afterDevice) > counted(start), `${start} → ${afterDevice}`)
  await expand(phone, en.entity.phone)
  const afterPhone = (await page.getByTestId('graph-counts').textContent()) ?? ''
  assert.match(page.url(), new RegExp(`x=${device},${phone}$`), "the expansions in order, commas kept")
  assert.match((await page.getByTestId('graph-expansions').textContent()) ?? '', /^2 /)
  await screenshot(page, 'graph-04-expansions-in-address')

  // the link, opened afresh in another tab, draws the same picture
  const shared = page.url()
  const other = await context.newPage()
  await other.goto(shared)
  await other.getByTestId('graph-canvas').waitFor()
  await other.waitForFunction((text) => document.querySelector('[data-testid=graph-counts]')?.textContent === text, afterPhone)
  await other.close()

  // back: the phone's expansion is undone; back again: the device's; forward: the device's again
  const countsAre = (text: string | null) => page.waitForFunction((t) => document.querySelector('[data-testid=graph-counts]')?.textContent === t, text)
  await page.goBack()
  await countsAre(afterDevice)
  await page.goBack()
  await countsAre(start)
  assert.equal(await page.getByTestId('graph-expansions').count(), 0)
  await page.goForward()
  await countsAre(afterDevice)

  // an edge-type filter in the address: only user–device links, shown in the form and the edge list
  await page.goto(`${wb.url}/graph?node=${device}&hops=2&edgeTypes=user-device`)
  await page.getByTestId('graph-edge-filter').waitFor()
  assert.match((await page.getByTestId('graph-edge-filter').textContent()) ?? '', new RegExp(`${en.entity.user} – ${en.entity.device}`))
  await page.getByRole('tab', { name: /^Edges/ }).click()
  const types = await page.getByTestId('graph-edges').locator('tbody tr td:nth-child(3)').allTextContents()
  assert.ok(types.length >= 4)
  assert.deepEqual([...new Set(types)], [`${en.entity.user} – ${en.entity.device}`])
  assert.equal(await page.locator('.ant-select-selection-item', { hasText: `${en.entity.user} – ${en.entity.device}` }).count(), 1, 'the form shows the filter')
  assert.ok(!(await page.content()).includes(sharedPhone), 'no value on the graph page')
  await screenshot(page, 'graph-05-edge-type-filter')
  // links between two users, or without a user, are offered too
  await page.goto(`${wb.url}/graph?node=${device}&hops=2&edgeTypes=user-user&edgeTypes=phone-device`)
  await page.getByTestId('graph-edge-filter').waitFor()
  for (const name of [`${en.entity.user} – ${en.entity.user}`, `${en.entity.phone} – ${en.entity.device}`]) {
    assert.equal(await page.locator('.ant-select-selection-item', { hasText: name }).count(), 1, `the form shows ${name}`)
  }
  assert.deepEqual(browser.errors, [])
})

test('a reviewer excludes a ring member, saying why, then closes the case as confirmed fraud: the excluded user is not labelled', async () => {
  const { page } = browser
  const claimed = await wb.engine.cases.claimNext(defaultTenant, 'user:alice', ['graph.ring'])
  assert.equal(claimed?.id, ringCaseId)
  const innocent = wb.engine.vault.blindIndex('user', 'ring-u4')
  await page.goto(`${wb.url}/cases/${ringCaseId}`)
  const members = page.getByTestId('ring-members')
  await members.waitFor()
  await members.getByRole('button', { name: `${en.ringMembers.exclude} ${en.ringMembers.user.toLowerCase()} #${innocent.slice(0, 8)}` }).click()
  const dialog = page.getByRole('dialog', { name: new RegExp(`#${innocent.slice(0, 8)}`) })
  // no reason: refused in the form
  await dialog.getByRole('button', { name: en.ringMembers.exclude }).click()
  await dialog.getByText(en.ringMembers.reasonRequired).waitFor()
  await dialog.getByLabel(en.ringMembers.reason).fill('Her mother: the family phone, she applied once')
  await screenshot(page, 'rings-03-exclude-dialog')
  await dialog.getByRole('button', { name: en.ringMembers.exclude }).click()
  await members.getByTestId('member-excluded').waitFor()
  assert.match((await members.getByTestId('member-excluded').textContent()) ?? '', /alice.*Her mother: the family phone/s)
  await page.getByTestId('history-member_excluded').waitFor()
  assert.match((await page.getByTestId('history-member_excluded').textContent()) ?? '', new RegExp(`#${innocent.slice(0, 8)}.*Her mother`, 's'))

  // undone, then done again: every step stays in the history
  await members.getByRole('button', { name: `${en.ringMembers.readmit} ${en.ringMembers.user.toLowerCase()} #${innocent.slice(0, 8)}` }).click()
  const back = page.getByRole('dialog', { name: en.ringMembers.readmitTitle.replace('{{user}}', `#${innocent.slice(0, 8)}`) })
  await back.getByLabel(en.ringMembers.readmitReason).fill('Checked again: she is the team’s phone holder')
  await back.getByRole('button', { name: en.ringMembers.readmit }).click()
  await page.getByTestId('history-member_readmitted').waitFor()
  assert.match((await page.getByTestId('history-member_readmitted').textContent()) ?? '', /phone holder/)
  assert.equal(await members.getByTestId('member-excluded').count(), 0)
  await members.getByRole('button', { name: `${en.ringMembers.exclude} ${en.ringMembers.user.toLowerCase()} #${innocent.slice(0, 8)}` }).click()
  await dialog.getByLabel(en.ringMembers.reason).fill('Her mother after all: the call confirmed it')
  await dialog.getByRole('button', { name: en.ringMembers.exclude }).click()
  await members.getByTestId('member-excluded').waitFor()

  // close as a fraud ring
  await page.getByRole('button', { name: en.case.close }).click()
  const close = page.getByRole('dialog', { name: en.close.title })
  await close.getByRole('radio', { name: en.disposition.confirmed_fraud }).check()
  assert.match((await close.getByTestId('close-effect').textContent()) ?? '', /not excluded/)
  await close.getByRole('button', { name: en.close.submit }).click()
  await page.getByTestId('ring-closed-summary').waitFor()
  const summary = (await page.getByTestId('ring-closed-summary').textContent()) ?? ''
  assert.match(summary, /3 users labelled fraud/)
  assert.match(summary, /1 excluded/)
  await screenshot(page, 'rings-04-closed-with-exclusion')
  const labels = (await wb.engine.store.listDecisions({ tenantId: defaultTenant, eventType: 'label', limit: 100 })).items.map((d) => d.eventId)
  assert.equal(labels.filter((id) => id.startsWith(`label-case-${ringCaseId}-`)).length, 3)
  assert.ok(!labels.includes(`label-case-${ringCaseId}-${innocent}`), 'the excluded user has no label')
  assert.ok(!(await page.content()).includes(sharedPhone), 'no value on the case page')
  assert.deepEqual(browser.errors, [])
})
