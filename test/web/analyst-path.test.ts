/**
 * The analyst's path in a real browser: an analyst drafts a new version of
 * the credit-application strategy from the champion, edits a rule (a typo
 * first: the server's compile error shows at the rule), saves, backtests it
 * over the last week of the decision log, submits it citing the backtest;
 * an approver signs in, reads the diff and the backtest's figures, approves,
 * and the version goes live: the next application is decided by it. Then
 * the champion/challenger comparison. Screenshots go to test-artifacts/screens.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { defaultTenant } from '../../src/app/open-engine.ts'
import { zh } from '../../web/src/i18n/zh.ts'
import { exampleEvent } from '../support/temp-engine.ts'
import { ensureWebBuilt, openBrowser, type Session, screenshot, signIn, startWorkbench, unlabelledControls, type Workbench } from './workbench-harness.ts'

let wb: Workbench
let browser: Session
const labels = { username: zh.signIn.username, password: zh.signIn.password }
const strategyId = 'credit-application'

/** An application that the shipped strategy approves unless its device has applied before within the hour. */
const application = (n: number, device: string, minutesAgo: number) =>
  exampleEvent('credit.application', {
    id: `evt-bt-${n}`,
    occurredAt: new Date(wb.clock.nowMs() - minutesAgo * 60_000).toISOString(),
    data: { applicationId: `app-bt-${n}`, userId: `u-bt-${n}`, phone: `1370000${String(n).padStart(4, '0')}`, idNumber: `1101011990010${String(n).padStart(5, '0')}`, deviceId: device, ip: `203.0.113.${n}`, amountMinor: 500_000, declaredIncomeMinor: 2_000_000, contacts: [] },
  })

before(async () => {
  ensureWebBuilt()
  wb = await startWorkbench({ users: [['carol', ['analyst'], '陈分析'], ['dave', ['approver'], '杜审批']] })
  // over the last days: single applications, and three devices that applied twice within an hour
  let n = 0
  for (let day = 5; day >= 1; day--) {
    for (let i = 0; i < 4; i++) await wb.engine.decisions.decide(defaultTenant, application(++n, `dev-bt-${n}`, day * 24 * 60 + i * 90))
  }
  for (const device of ['dev-shared-a', 'dev-shared-b', 'dev-shared-c']) {
    await wb.engine.decisions.decide(defaultTenant, application(++n, device, 300))
    await wb.engine.decisions.decide(defaultTenant, application(++n, device, 280))
  }
  browser = await openBrowser()
})

after(async () => {
  await browser?.close()
  await wb?.close()
})

test('the analyst’s path: edit a rule, backtest, submit; a second person approves and it goes live', async () => {
  const { page } = browser
  const noUnlabelled = async (screen: string) => assert.deepEqual(await unlabelledControls(page), [], `form controls without a name on ${screen}`)

  await signIn(page, wb.url, 'carol', labels)
  await page.waitForURL(/\/strategies$/)
  await page.getByRole('link', { name: strategyId }).waitFor()
  assert.equal(await page.getByRole('link', { name: zh.nav.queue }).count(), 1, 'analysts see the queue')
  assert.equal(await page.getByRole('link', { name: zh.nav.users }).count(), 0, 'only admins manage users')
  assert.equal(await page.getByTestId('tenant').textContent(), zh.nav.tenant.replace('{{tenant}}', defaultTenant), 'the top bar says which tenant the workbench acts for')
  assert.equal(await page.getByTestId('strategies-tenant').textContent(), zh.strategies.ofTenant.replace('{{tenant}}', defaultTenant), "the strategies are that tenant's")
  await screenshot(page, '10-strategies')

  // a new draft from the live champion
  await page.getByRole('link', { name: strategyId }).click()
  await page.waitForURL(new RegExp(`/strategies/${strategyId}$`))
  await noUnlabelled('the strategy screen')
  await screenshot(page, '11-strategy')
  await page.getByRole('button', { name: zh.strategy.newDraft }).click()
  await page.waitForURL(new RegExp(`/strategies/${strategyId}/versions/2$`))

  // a typo first: the server compiles every save and the error shows at the rule
  const condition = page.getByLabel(zh.version.whenOf.replace('{{rule}}', 'device-burst'), { exact: true })
  await condition.fill('features.applicationsPerDevice1hour >= 2')
  await page.getByRole('button', { name: zh.version.save }).click()
  await page.getByText(/cel_/).first().waitFor()
  await condition.fill('features.applicationsPerDevice1h >= 1')
  await page.getByRole('button', { name: zh.version.save }).click()
  await page.getByText(zh.version.saved).waitFor()
  const saved = await wb.engine.store.getStrategyVersion('default', strategyId, 2)
  assert.match(saved?.document ?? '', /applicationsPerDevice1h >= 1/)
  await noUnlabelled('the draft')

  // the diff from the champion names the rule
  await page.getByRole('tab', { name: zh.version.diffTab }).click()
  await page.getByTestId('diff').getByText(/device-burst\/when/).waitFor()

  // backtest the saved draft over the last week
  await page.getByRole('button', { name: zh.backtest.run }).click()
  const report = page.getByTestId('backtest-report')
  await report.waitFor({ timeout: 60_000 })
  await screenshot(page, '12-draft-backtest')
  assert.match((await report.textContent()) ?? '', /device-burst/)

  // the backtest is kept by the server: after a reload (or in another browser) it is there to cite
  await page.reload()
  await page.getByTestId('backtest-report').waitFor()
  await page.getByText(new RegExp(zh.version.citeBacktest.replace('{{period}}', '.+'))).waitFor()

  // submit, citing the backtest: the analyst may not approve it
  await page.getByRole('checkbox').check()
  await page.getByLabel(zh.version.submitNote, { exact: true }).fill('同设备一小时内第二次申请即转人工')
  await page.getByRole('button', { name: new RegExp(`${zh.version.submit}$`) }).click()
  await page.getByText(zh.versionState.submitted, { exact: true }).first().waitFor()
  assert.equal(await page.getByRole('button', { name: zh.version.approve }).count(), 0)

  // a second person approves
  await page.getByRole('button', { name: zh.nav.signOut }).click()
  await signIn(page, wb.url, 'dave', labels)
  await page.goto(`${wb.url}/strategies/${strategyId}/versions/2`)
  await page.getByText(zh.version.reviewTitle, { exact: true }).waitFor()
  await page.getByTestId('diff').first().getByText(/device-burst\/when/).waitFor()
  const figures = await page.getByTestId('backtest-figures').textContent()
  assert.match(figures ?? '', /\d/)
  await noUnlabelled('the review')
  await screenshot(page, '13-review')
  await page.getByLabel(zh.version.approveNote, { exact: true }).fill('回测通过率变化可接受')
  await page.getByRole('button', { name: zh.version.approve }).click()
  await page.getByText(zh.versionState.live, { exact: true }).first().waitFor()
  await screenshot(page, '14-approved')

  // it is live: the next application from a device seen within the hour is decided by version 2 and reviewed
  const live = wb.engine.strategies.liveOf('default', strategyId)
  assert.equal(live?.deployment.champion, 2)
  const version = await wb.engine.store.getStrategyVersion('default', strategyId, 2)
  assert.ok(version)
  await wb.engine.decisions.decide(defaultTenant, application(100, 'dev-live', 10))
  const decided = JSON.parse((await wb.engine.decisions.decide(defaultTenant, application(101, 'dev-live', 5))).body) as { action: string; strategy: { version: number }; reasons: { code: string }[] }
  assert.equal(decided.strategy.version, 2)
  assert.equal(decided.action, 'review')
  assert.ok(decided.reasons.some((r) => r.code === 'DEVICE_APPLICATION_BURST'))

  // champion against challengers: the comparison reads the log
  await page.goto(`${wb.url}/strategies/${strategyId}`)
  await page.getByRole('tab', { name: zh.strategy.arms }).click()
  await page.getByRole('table', { name: zh.strategy.arms }).getByText(`v2 · ${zh.arm.only}`).or(page.getByRole('table', { name: zh.strategy.arms }).getByText(/v\d · /).first()).first().waitFor()
  await screenshot(page, '15-champion-challenger')

  // the refused save of the typo is the only failed request
  assert.deepEqual(browser.errors.filter((e) => !/status of 400 .*\/v1\/strategies\/credit-application\/versions\/2\)$/.test(e)), [], 'the page logged no other errors')
})
