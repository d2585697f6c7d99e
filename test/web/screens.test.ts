/**
 * The other main screens in a real browser, over a simulated week of a
 * lender's traffic (scam victims raised so the 16:00–18:00 peak shows):
 * the decision explorer and a replayed explanation, the dashboards (in both
 * languages), model monitoring, and user management. Each screen's form
 * controls must have accessible names; each is saved as a screenshot.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { defaultTenant } from '../../src/app/open-engine.ts'
import { simulate } from '../../src/simulation/simulation.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'
import type { DashboardOverview } from '../../src/api/routes/dashboard-routes.ts'
import { en } from '../../web/src/i18n/en.ts'
import { zh } from '../../web/src/i18n/zh.ts'
import { ensureWebBuilt, openBrowser, password, type Session, screenshot, signIn, startWorkbench, unlabelledControls, type Workbench } from './workbench-harness.ts'

let wb: Workbench
let browser: Session
const labels = { username: zh.signIn.username, password: zh.signIn.password }
const dayMs = 86_400_000

before(async () => {
  ensureWebBuilt()
  wb = await startWorkbench({ users: [['lead', ['admin'], '组长'], ['alice', ['reviewer']], ['bob', ['reviewer']]] })
  // one fixed world (seed, start, size), moved by whole days to end just before the server's now: the same events on every run
  const worldStartMs = Date.parse('2026-01-05T15:30:00+08:00')
  const shiftMs = Math.floor((wb.clock.nowMs() - (worldStartMs + 7 * dayMs)) / dayMs) * dayMs
  const config = { ...defaultWorldConfig, scamVictims: { ...defaultWorldConfig.scamVictims, borrowersPerMonth: 0.4 } }
  const events = [...simulate({ seed: 11, days: 7, customers: 400, start: new Date(worldStartMs).toISOString(), labelEvents: true, config })].map((e) => ({
    ...e,
    occurredAt: new Date(Date.parse(e.occurredAt) + shiftMs).toISOString(),
  }))
  // in batches: the group commit writes each batch in one transaction
  for (let i = 0; i < events.length; i += 256) await Promise.all(events.slice(i, i + 256).map((e) => wb.engine.decisions.decide(defaultTenant, e)))
  // two reviewers work a few decision cases (not the ring cases the world's rings open), for the throughput chart
  const decisionQueues = ['credit.application', 'loan.drawdown']
  for (const [reviewer, disposition] of [['user:alice', 'confirmed_fraud'], ['user:alice', 'scam_victim_dissuaded'], ['user:bob', 'legitimate_approve']] as const) {
    const claimed = await wb.engine.cases.claimNext(defaultTenant, reviewer, decisionQueues)
    if (claimed) await wb.engine.cases.close(defaultTenant, claimed.id, reviewer, { disposition })
  }
  browser = await openBrowser()
})

after(async () => {
  await browser?.close()
  await wb?.close()
})

test('the decision explorer finds decisions and replays one', async () => {
  const { page } = browser
  await signIn(page, wb.url, 'lead', labels)
  for (const item of [zh.nav.queue, zh.nav.decisions, zh.nav.strategies, zh.nav.dashboards, zh.nav.monitoring, zh.nav.users]) {
    assert.equal(await page.getByRole('link', { name: item }).count(), 1, `an admin sees ${item}`)
  }
  await page.getByRole('link', { name: zh.nav.decisions }).click()
  await page.waitForURL(/\/decisions$/)
  await page.getByLabel(zh.decision.action, { exact: true }).click()
  await page.locator('.ant-select-item-option').filter({ hasText: zh.action.review }).click()
  await page.getByRole('button', { name: zh.decisions.search }).click()
  await page.waitForURL(/action=review/)
  const firstRow = page.getByRole('row').nth(1)
  await firstRow.getByText(zh.action.review).waitFor()
  assert.deepEqual(await unlabelledControls(page), [], 'the explorer’s controls have names')
  await screenshot(page, '20-decisions')
  await firstRow.getByRole('link').click()
  await page.waitForURL(/\/decisions\/[0-9a-f-]+$/)
  await page.getByText(zh.explain.reproduced).waitFor()
  await page.getByText(zh.explain.hits).waitFor()
  await screenshot(page, '21-decision-explanation')
})

test('the dashboards show the 16:00–18:00 scam peak of drawdowns, in both languages', async () => {
  const { page } = browser
  // the figures behind the chart: drawdown interventions peak in 16:00–18:00
  const from = new Date(wb.clock.nowMs() - 8 * dayMs).toISOString()
  const to = new Date(wb.clock.nowMs() + 3_600_000).toISOString()
  const cookie = (await browser.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
  const reply = await wb.app.inject({ url: `/v1/dashboards/overview?eventType=loan.drawdown&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, headers: { cookie } })
  assert.equal(reply.statusCode, 200, reply.body)
  const overview = reply.json() as DashboardOverview
  const interventions = overview.hourOfDay.map((h) => h.decisions - h.approve)
  const twoHours = interventions.map((n, hour) => n + interventions[(hour + 1) % 24]!)
  assert.equal(twoHours.indexOf(Math.max(...twoHours)), 16, `interventions by hour: ${interventions.join(' ')}`)
  assert.ok(overview.topRules.some((r) => r.ruleId === 'screen-sharing'))

  await page.getByRole('link', { name: zh.nav.dashboards }).click()
  await page.waitForURL(/\/dashboards$/)
  await page.getByLabel(zh.decision.eventType, { exact: true }).click()
  await page.keyboard.type('loan.drawdown')
  await page.keyboard.press('Enter')
  for (const chart of ['chart-by-hour', 'chart-interventions', 'chart-rates', 'chart-top-rules', 'chart-reviewers', 'chart-sla']) {
    await page.getByTestId(chart).locator('canvas').first().waitFor()
  }
  assert.deepEqual(await unlabelledControls(page), [], 'the dashboards’ controls have names')
  await screenshot(page, '22-dashboards')
  await page.getByText('English', { exact: true }).click()
  await page.getByText(en.dash.byHour).waitFor()
  await screenshot(page, '23-dashboards-en')
  await page.getByText('简体中文', { exact: true }).click()
  await page.getByText(zh.dash.byHour).waitFor()
})

test('model monitoring plots AUC, KS and PSI from /v1/monitoring/scores', async () => {
  const { page } = browser
  await page.getByRole('link', { name: zh.nav.monitoring }).click()
  await page.waitForURL(/\/monitoring$/)
  await page.getByTestId('chart-monitoring').locator('canvas').first().waitFor()
  await page.getByRole('cell', { name: /^\d{4}-\d{2}-\d{2}$/ }).first().waitFor()
  // a week of history: count every unlabelled decision as a negative, so AUC and KS have both classes
  await page.getByLabel(zh.monitoring.maturityDays, { exact: true }).fill('0')
  await page.getByRole('cell', { name: /^0\.\d+$/ }).first().waitFor()
  assert.deepEqual(await unlabelledControls(page), [], 'the monitoring controls have names')
  await screenshot(page, '24-model-monitoring')
})

test('an admin adds a reviewer', async () => {
  const { page } = browser
  await page.getByRole('link', { name: zh.nav.users }).click()
  await page.waitForURL(/\/users$/)
  const form = page.locator('form[id="add-user"]')
  await form.getByLabel(zh.signIn.username, { exact: true }).fill('carol')
  await form.getByLabel(zh.users.displayName, { exact: true }).fill('陈审核')
  await form.getByLabel(zh.signIn.password, { exact: true }).fill(password)
  await form.getByRole('checkbox', { name: zh.role.reviewer }).check()
  assert.deepEqual(await unlabelledControls(page), [], 'the user form’s controls have names')
  await form.getByRole('button', { name: zh.users.addButton }).click()
  await page.getByRole('cell', { name: '陈审核' }).waitFor()
  await screenshot(page, '25-users')
  const carol = (await wb.engine.users.list()).find((u) => u.username === 'carol')
  assert.deepEqual(carol?.roles, ['reviewer'])
  assert.deepEqual(browser.errors, [], 'the page logged no errors')
})
