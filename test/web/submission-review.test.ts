/**
 * Editing a flow in forms, and a submission's end short of approval, in a
 * real browser. An analyst drafts a new version of a strategy whose flow has
 * a decision table, score bands and a traffic split; edits a table cell (a
 * wrong type first: the server's error shows at that cell), a band and the
 * split's shares (not adding up to 100 first: the error shows on the
 * split), saves, and the diff names the changed row; backtests it, submits
 * it, then withdraws it. A second draft is submitted and an approver rejects
 * it, a comment required, which both see in the version's history. The
 * strategy page lists the backtests, each linking to its report.
 * Screenshots go to test-artifacts/screens.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { defaultTenant } from '../../src/app/open-engine.ts'
import { StrategyLifecycle } from '../../src/strategy/lifecycle/strategy-lifecycle.ts'
import { zh } from '../../web/src/i18n/zh.ts'
import { exampleEvent } from '../support/temp-engine.ts'
import { ensureWebBuilt, openBrowser, type Session, screenshot, signIn, startWorkbench, tabTo, unlabelledControls, type Workbench } from './workbench-harness.ts'

let wb: Workbench
let browser: Session
const labels = { username: zh.signIn.username, password: zh.signIn.password }
const strategyId = 'flow-application'
/** A text of the workbench with its {{placeholders}} filled in, as i18next does. */
const text = (template: string, values: Record<string, string | number>) => template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key]))
const reason = (code: string) => ({ code, zh: `中文 ${code}`, en: `English ${code}` })

/** Its own decision point (credit applications of one product), with a node of each kind the forms edit. */
const flowStrategy = {
  eventType: 'credit.application',
  product: 'web-flow',
  defaultAction: 'approve',
  onRuleError: 'review',
  models: [{ name: 'fraud', kind: 'logistic', intercept: -5, inputs: [{ feature: 'applicationsPerIp1h', weight: 0.3, cap: 20 }] }],
  flow: [
    {
      id: 'velocity',
      type: 'decisionTable',
      hitPolicy: 'first',
      inputs: [{ expression: 'features.applicationsPerIp1h' }, { expression: 'features.applicationsPerDevice1h' }],
      rows: [
        { id: 'ip-storm', when: ['>= 10', '-'], action: 'reject', reason: reason('IP_APPLICATION_STORM') },
        { id: 'device-burst', when: ['-', '>= 3'], action: 'review', reason: reason('DEVICE_APPLICATION_BURST') },
      ],
      next: { hit: 'end' },
    },
    {
      id: 'score-bands',
      type: 'modelThreshold',
      score: 'fraud',
      bands: [
        { id: 'fraud-high', when: '>= 0.8', action: 'reject', reason: reason('FRAUD_SCORE_HIGH') },
        { id: 'fraud-mid', when: '[0.4..0.8)', action: 'review', reason: reason('FRAUD_SCORE_ELEVATED') },
      ],
      next: { hit: 'end' },
    },
    { id: 'limit-test', type: 'split', by: 'user', branches: [{ share: 90, next: 'standard' }, { share: 10, next: 'generous' }] },
    { id: 'standard', type: 'output', action: 'approve' },
    { id: 'generous', type: 'output', action: 'approve', reason: reason('GENEROUS_ARM') },
  ],
}

const application = (n: number, minutesAgo: number) =>
  exampleEvent('credit.application', {
    id: `evt-flow-${n}`,
    occurredAt: new Date(wb.clock.nowMs() - minutesAgo * 60_000).toISOString(),
    data: {
      applicationId: `app-flow-${n}`,
      userId: `u-flow-${n}`,
      phone: `1360000${String(n).padStart(4, '0')}`,
      idNumber: `1101011990020${String(n).padStart(5, '0')}`,
      deviceId: `dev-flow-${n}`,
      ip: `198.51.100.${n}`,
      product: 'web-flow',
      amountMinor: 500_000,
      declaredIncomeMinor: 2_000_000,
      contacts: [],
    },
  })

before(async () => {
  ensureWebBuilt()
  wb = await startWorkbench({ users: [['carol', ['analyst'], '陈分析'], ['dave', ['approver'], '杜审批']] })
  // version 1 written, submitted and approved through the API by two keys, and live
  const lifecycle = new StrategyLifecycle({ store: wb.engine.store, clock: wb.engine.clock, catalogue: () => wb.engine.catalogue, watcher: wb.engine.strategies })
  await lifecycle.createDraft('default', strategyId, { document: flowStrategy }, 'key:seed')
  await lifecycle.submit(defaultTenant, strategyId, 1, {}, 'key:seed')
  await lifecycle.approve('default', strategyId, 1, {}, 'key:lead')
  for (let n = 1; n <= 6; n++) await wb.engine.decisions.decide(defaultTenant, application(n, n * 60))
  browser = await openBrowser()
})

after(async () => {
  await browser?.close()
  await wb?.close()
})

test('the analyst edits a decision table cell, a band and a split in forms; errors show at the cell and the split; the diff names the row', async () => {
  const { page } = browser
  await signIn(page, wb.url, 'carol', labels)
  await page.goto(`${wb.url}/strategies/${strategyId}`)
  await page.getByRole('button', { name: zh.strategy.newDraft }).click()
  await page.waitForURL(new RegExp(`/strategies/${strategyId}/versions/2$`))
  await page.getByRole('tab', { name: zh.flowEditor.tab }).click()

  // the cell is reached by keyboard, by its label: row and column of its table
  const cellLabel = text(zh.flowEditor.cellOf, { row: 'ip-storm', column: 1, node: 'velocity' })
  await page.getByLabel(text(zh.flowEditor.hitPolicyOf, { node: 'velocity' })).focus()
  await tabTo(page, cellLabel)
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.type('>= "many"')
  await page.getByRole('button', { name: zh.version.save }).click()
  // the server's type error shows in that cell of that table
  const table = page.getByTestId('decision-table-velocity')
  const cellError = table.getByRole('cell').filter({ has: page.getByLabel(cellLabel, { exact: true }) }).getByText(/cel_type_error/)
  await cellError.waitFor()
  await page.getByLabel(cellLabel, { exact: true }).fill('>= 8')

  // a band's range, and the split's shares: first not adding up to 100
  await page.getByLabel(text(zh.flowEditor.bandWhenOf, { n: 1, node: 'score-bands' }), { exact: true }).fill('>= 0.85')
  const firstShare = page.getByLabel(text(zh.flowEditor.shareOf, { n: 1, node: 'limit-test' }), { exact: true })
  await firstShare.fill('80')
  await firstShare.press('Tab')
  assert.match((await page.getByTestId('split-total-limit-test').textContent()) ?? '', /90/)
  await page.getByRole('button', { name: zh.version.save }).click()
  await page.getByTestId('split-limit-test').getByText(/shares must add up to 100/).waitFor()
  assert.equal(await cellError.count(), 0, 'the fixed cell has no error any more')
  await screenshot(page, '40-flow-editor-errors')
  const secondShare = page.getByLabel(text(zh.flowEditor.shareOf, { n: 2, node: 'limit-test' }), { exact: true })
  await secondShare.fill('20')
  await secondShare.press('Tab')
  await page.getByRole('button', { name: zh.version.save }).click()
  await page.getByText(zh.version.saved).waitFor()
  assert.deepEqual(await unlabelledControls(page), [], 'form controls without a name on the flow editors')

  type Saved = { flow: { rows?: { when: unknown[] }[]; bands?: { when: unknown }[]; branches?: { share: number }[] }[] }
  const saved = JSON.parse((await wb.engine.store.getStrategyVersion('default', strategyId, 2))?.document ?? '{}') as Saved
  assert.deepEqual(saved.flow[0]!.rows![0]!.when, ['>= 8', '-'])
  assert.equal(saved.flow[1]!.bands![0]!.when, '>= 0.85')
  assert.deepEqual(saved.flow[2]!.branches!.map((b) => b.share), [80, 20])
  await screenshot(page, '41-flow-editor')

  // the diff from the live champion names the row, the band and the branches
  await page.getByRole('tab', { name: zh.version.diffTab }).click()
  const diff = page.getByTestId('diff')
  await diff.getByText('~ /flow/velocity/rows/ip-storm/when: [">= 10","-"] → [">= 8","-"]').waitFor()
  await diff.getByText('~ /flow/score-bands/bands/fraud-high/when: ">= 0.8" → ">= 0.85"').waitFor()
  await diff.getByText(/limit-test\/branches\/0\/share: 90 → 80/).waitFor()
  await screenshot(page, '42-flow-diff')
})

test('the author withdraws a submission; an approver rejects another with a comment; both show in the history; the backtests are listed', async () => {
  const { page } = browser
  // backtest version 2 and submit it citing the backtest
  await page.goto(`${wb.url}/strategies/${strategyId}/versions/2`)
  await page.getByRole('button', { name: zh.backtest.run }).click()
  await page.getByTestId('backtest-report').waitFor({ timeout: 60_000 })
  await page.getByRole('checkbox').check()
  await page.getByLabel(zh.version.submitNote, { exact: true }).fill('IP 阈值降到 8')
  await page.getByRole('button', { name: new RegExp(`${zh.version.submit}$`) }).click()
  await page.getByText(zh.versionState.submitted, { exact: true }).first().waitFor()

  // the author takes it back, saying why
  await page.getByLabel(zh.submissionReview.withdrawNote, { exact: true }).fill('阈值写错了')
  await page.getByRole('button', { name: zh.submissionReview.withdraw }).click()
  await page.locator('.ant-popconfirm').getByRole('button', { name: zh.submissionReview.withdraw }).click()
  await page.getByText(zh.submissionReview.withdrawnDone).waitFor()
  const withdrawn = page.getByTestId('history-withdrawn')
  await withdrawn.getByText(text(zh.submissionReview.withdrawn, { by: 'carol' })).waitFor()
  await withdrawn.getByText('阈值写错了').waitFor()
  await page.getByText(zh.versionState.withdrawn, { exact: true }).first().waitFor()
  assert.equal(await page.getByRole('button', { name: zh.submissionReview.withdraw }).count(), 0, 'it is withdrawn once')
  await screenshot(page, '43-withdrawn')
  assert.equal((await wb.engine.store.getStrategyVersionRecord('default', strategyId, 2))?.withdrawnBy, 'user:carol')

  // a new draft (from the champion), submitted without a backtest
  await page.goto(`${wb.url}/strategies/${strategyId}`)
  await page.getByRole('button', { name: zh.strategy.newDraft }).click()
  await page.waitForURL(new RegExp(`/strategies/${strategyId}/versions/3$`))
  await page.getByRole('button', { name: new RegExp(`${zh.version.submit}$`) }).click()
  await page.getByText(zh.versionState.submitted, { exact: true }).first().waitFor()
  assert.equal(await page.getByRole('button', { name: zh.submissionReview.reject }).count(), 0, 'an analyst does not reject')

  // the approver rejects it: not without saying why
  await page.getByRole('button', { name: zh.nav.signOut }).click()
  await signIn(page, wb.url, 'dave', labels)
  await page.goto(`${wb.url}/strategies/${strategyId}/versions/3`)
  await page.getByText(zh.version.reviewTitle, { exact: true }).waitFor()
  assert.equal(await page.getByRole('button', { name: zh.submissionReview.withdraw }).count(), 0, 'only its author withdraws it')
  await page.getByRole('button', { name: zh.submissionReview.reject }).click()
  await page.getByText(zh.submissionReview.rejectCommentRequired).waitFor()
  assert.equal((await wb.engine.store.getStrategyVersionRecord('default', strategyId, 3))?.state, 'submitted', 'nothing was sent')
  await page.getByLabel(zh.submissionReview.rejectComment, { exact: true }).fill('没有回测，无法评估影响')
  await page.getByRole('button', { name: zh.submissionReview.reject }).click()
  await page.getByText(zh.submissionReview.rejectedDone).waitFor()
  const rejected = page.getByTestId('history-rejected')
  await rejected.getByText(text(zh.submissionReview.rejected, { by: 'dave' })).waitFor()
  await rejected.getByText('没有回测，无法评估影响').waitFor()
  await page.getByText(zh.submissionReview.ended).waitFor()
  assert.equal(await page.getByRole('button', { name: zh.version.approve }).count(), 0, 'a rejected version is not approved')
  assert.deepEqual(await unlabelledControls(page), [], 'form controls without a name on the rejected version')
  await screenshot(page, '44-rejected')
  const record = await wb.engine.store.getStrategyVersionRecord('default', strategyId, 3)
  assert.deepEqual([record?.state, record?.rejectedBy, record?.rejectNote], ['rejected', 'user:dave', '没有回测，无法评估影响'])

  // the approver sees every backtest of the strategy, and opens its report
  await page.goto(`${wb.url}/strategies/${strategyId}`)
  await page.getByText(zh.versionState.rejected, { exact: true }).first().waitFor()
  await page.getByRole('tab', { name: zh.strategyBacktests.tab }).click()
  const listed = page.getByRole('table', { name: zh.strategyBacktests.tab })
  await listed.getByText(zh.backtestStatus.done, { exact: true }).waitFor()
  await listed.getByRole('link', { name: 'v2' }).waitFor()
  await screenshot(page, '45-strategy-backtests')
  await listed.getByRole('row').nth(1).getByRole('link').first().click()
  await page.waitForURL(/\/backtests\//)
  await page.getByTestId('backtest-report').waitFor()
  await screenshot(page, '46-backtest-report')

  // the refused saves were the page's only failed requests
  assert.deepEqual(browser.errors.filter((e) => !/status of 400 .*\/v1\/strategies\/flow-application\/versions\/2\)$/.test(e)), [], 'the page logged no other errors')
})
