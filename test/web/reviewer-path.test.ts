/**
 * The reviewer's path in a real browser (Debian's chromium, playwright-core):
 * sign in → claim the next case (a drawdown with screen sharing on) → reveal
 * the phone (recorded) → log a call that someone else answered → schedule a
 * call-back for tomorrow 10:00 → the next day the session has expired, sign
 * in again → the call-back comes first → reach the applicant → close as
 * "scam victim, dissuaded" → the label and the resolved drawdown appear.
 * The claim, call and close are done by keyboard; every form control on the
 * way must have an accessible name; the language switch changes everything,
 * reason messages included. Screenshots go to test-artifacts/screens.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { defaultTenant } from '../../src/app/open-engine.ts'
import { en } from '../../web/src/i18n/en.ts'
import { zh } from '../../web/src/i18n/zh.ts'
import { exampleEvent } from '../support/temp-engine.ts'
import { ensureWebBuilt, openBrowser, type Session, screenshot, signIn, startWorkbench, tabTo, unlabelledControls, type Workbench } from './workbench-harness.ts'

let wb: Workbench
let browser: Session
const labels = { username: zh.signIn.username, password: zh.signIn.password }
const victimPhone = '13912345678'

before(async () => {
  ensureWebBuilt()
  wb = await startWorkbench({ users: [['alice', ['reviewer'], '王审核']] })
  const at = (minutesAgo: number) => new Date(wb.clock.nowMs() - minutesAgo * 60_000).toISOString()
  const decide = (event: unknown) => wb.engine.decisions.decide(defaultTenant, event)
  // the victim applied for credit last month and was approved; today a large drawdown, screen sharing on, to a new card
  await decide(exampleEvent('credit.application', { id: 'evt-victim-app', occurredAt: at(30 * 24 * 60), data: { applicationId: 'app-victim', userId: 'u-victim', phone: victimPhone, deviceId: 'dev-victim', idNumber: '110101198505051234', amountMinor: 500_000, declaredIncomeMinor: 2_000_000, contacts: [] } }))
  await decide(exampleEvent('login', { id: 'evt-victim-login', occurredAt: at(20), data: { userId: 'u-victim', deviceId: 'dev-victim' } }))
  const drawdown = await decide(
    exampleEvent('loan.drawdown', { id: 'evt-victim-draw', occurredAt: at(5), data: { loanId: 'loan-victim', userId: 'u-victim', deviceId: 'dev-victim', phone: victimPhone, amountMinor: 48_000_000, bankCard: '6222020200998877665', newPayee: true, screenSharingActive: true } }),
  )
  assert.equal(JSON.parse(drawdown.body).action, 'review', 'the drawdown is held for review')
  // three credit applications over a year's income, for the queue around it
  for (let n = 1; n <= 3; n++) {
    await decide(
      exampleEvent('credit.application', {
        id: `evt-queue-${n}`,
        occurredAt: at(10 + n),
        data: { applicationId: `app-queue-${n}`, userId: `u-queue-${n}`, phone: `1380000000${n}`, deviceId: `dev-queue-${n}`, idNumber: `11010119900307000${n}`, ip: `198.51.100.${n}`, amountMinor: 3_000_000, declaredIncomeMinor: 200_000, contacts: [] },
      }),
    )
  }
  browser = await openBrowser()
})

after(async () => {
  await browser?.close()
  await wb?.close()
})

test('the reviewer’s path: a scam victim reached on the second day and dissuaded', async () => {
  const { page } = browser
  const noUnlabelled = async (screen: string) => assert.deepEqual(await unlabelledControls(page), [], `form controls without a name on ${screen}`)

  // sign in, by keyboard
  await page.goto(wb.url)
  await page.getByLabel(labels.username, { exact: true }).waitFor()
  await noUnlabelled('the sign-in page')
  await screenshot(page, '01-sign-in')
  await signIn(page, wb.url, 'alice', labels)
  await page.waitForURL(/\/queue$/)
  await page.getByRole('cell', { name: 'loan.drawdown' }).waitFor()
  assert.equal(await page.getByRole('row').count(), 1 + 4, 'the header and four open cases')
  await noUnlabelled('the queue')
  await screenshot(page, '02-queue')

  // claim the next case by keyboard: the drawdown, the largest amount at stake
  await tabTo(page, zh.queue.claimNext)
  await page.keyboard.press('Enter')
  await page.waitForURL(/\/cases\/[0-9a-f-]+$/)
  const caseId = page.url().split('/').pop()!
  const held = await wb.engine.store.cases.get(defaultTenant, caseId)
  assert.deepEqual([held?.eventId, held?.status, held?.assignee], ['evt-victim-draw', 'claimed', 'user:alice'])
  await page.getByText('借款时屏幕共享开启（疑似电诈）').first().waitFor()
  await page.getByText('SCREEN_SHARING_ACTIVE').first().waitFor()
  const masked = await page.getByTestId('field-phone').textContent()
  assert.match(masked ?? '', /^139\*+5678$/, 'the phone is masked')
  await page.getByRole('table', { name: zh.case.related }).waitFor()
  assert.ok(await page.getByRole('cell', { name: 'evt-victim-app' }).isVisible(), 'the applicant’s earlier application is among the related decisions')

  // reveal the phone to call it: shown in clear, recorded in the history
  await page.getByRole('button', { name: '查看手机号明文' }).click()
  await page.getByTestId('field-phone').getByText(victimPhone).waitFor()
  await page.getByTestId('history-revealed').waitFor()
  assert.ok((await wb.engine.store.cases.activities(caseId)).some((a) => a.kind === 'revealed' && a.actor === 'user:alice' && a.data.field === 'phone'))

  // English everywhere, reason messages and antd's own texts included; then back
  await page.getByText('English', { exact: true }).click()
  await page.getByText('Screen sharing active during the drawdown (possible scam)').first().waitFor()
  assert.equal(await page.getByLabel(en.call.callbackAt, { exact: true }).getAttribute('placeholder'), 'Select date')
  await screenshot(page, '03-case-en')
  await page.getByText('简体中文', { exact: true }).click()
  await page.getByText('借款时屏幕共享开启（疑似电诈）').first().waitFor()
  assert.equal(await page.getByLabel(zh.call.callbackAt, { exact: true }).getAttribute('placeholder'), '请选择日期')
  await noUnlabelled('the case screen')
  await screenshot(page, '04-case')

  // someone else answers: log it and call back tomorrow at 10:00, by keyboard
  await tabTo(page, zh.outcome.reached_applicant)
  await page.keyboard.press('ArrowDown')
  assert.equal(await page.getByRole('radio', { name: zh.outcome.someone_else_answered }).isChecked(), true)
  await page.keyboard.press('Tab')
  await page.keyboard.type('接电话的是一名自称“客服”的男子，申请人本人未接听')
  await tabTo(page, zh.call.quick.tomorrow10)
  await page.keyboard.press('Enter')
  const summary = await page.getByTestId('callback-summary').textContent()
  assert.match(summary ?? '', /10:00/)
  await tabTo(page, zh.call.logAndSchedule)
  await page.keyboard.press('Enter')
  await page.waitForURL(/\/queue$/)
  const scheduled = await wb.engine.store.cases.get(defaultTenant, caseId)
  assert.equal(scheduled?.status, 'open')
  const callbackAtMs = scheduled!.callbackAtMs!
  assert.equal(new Date(callbackAtMs + 8 * 3_600_000).toISOString().slice(11, 16), '10:00', 'tomorrow 10:00 Beijing time')
  assert.ok(callbackAtMs - wb.clock.nowMs() > 12 * 3_600_000 && callbackAtMs - wb.clock.nowMs() < 24 * 3_600_000, 'tomorrow')
  await page.getByRole('cell', { name: /10:00/ }).waitFor()
  await screenshot(page, '05-queue-callback')

  // meanwhile the next case is another one; release it back
  await page.getByRole('button', { name: zh.queue.claimNext }).click()
  await page.waitForURL(/\/cases\/[0-9a-f-]+$/)
  assert.notEqual(page.url().split('/').pop(), caseId, 'a call-back is not claimable before its time')
  await page.getByRole('button', { name: zh.case.release }).click()
  await page.getByRole('tooltip').getByRole('button', { name: zh.case.release }).click()
  await page.waitForURL(/\/queue$/)

  // the next morning, in the tab left open: yesterday's session has expired, the first request brings back the sign-in page
  wb.clock.jumpTo(callbackAtMs + 60_000)
  // (the queue's own refresh may find out first: then the sign-in page is already there)
  await page
    .getByRole('button', { name: zh.queue.claimNext })
    .click({ timeout: 2_000 })
    .catch(() => undefined)
  await page.getByLabel(labels.username, { exact: true }).waitFor()
  await signIn(page, wb.url, 'alice', labels)
  await page.waitForURL(/\/queue$/)
  await tabTo(page, zh.queue.claimNext)
  await page.keyboard.press('Enter')
  await page.waitForURL(new RegExp(`/cases/${caseId}$`))

  // the applicant is reached this time: a call without a call-back keeps the case
  await page.getByTestId('history-callback_scheduled').waitFor()
  await tabTo(page, zh.outcome.reached_applicant)
  await page.keyboard.press('Space')
  await page.keyboard.press('Tab')
  await page.keyboard.type('申请人本人接听，承认对方冒充公安要求转账，经劝阻同意放弃借款')
  await tabTo(page, zh.call.log)
  await page.keyboard.press('Enter')
  await page.getByTestId('history-call').nth(1).waitFor()

  // close as "scam victim, dissuaded", by keyboard
  await tabTo(page, zh.case.close)
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog')
  await dialog.waitFor()
  await noUnlabelled('the disposition dialog')
  await tabTo(page, zh.disposition.confirmed_fraud)
  await page.keyboard.press('ArrowDown')
  assert.equal(await dialog.getByRole('radio', { name: zh.disposition.scam_victim_dissuaded }).isChecked(), true)
  const effect = await dialog.getByTestId('close-effect').textContent()
  assert.match(effect ?? '', /scam_victim/)
  assert.match(effect ?? '', /拒绝/)
  await page.keyboard.press('Tab')
  await page.keyboard.type('客户已撤回借款，提醒其报警')
  await screenshot(page, '06-close-dialog')
  await tabTo(page, zh.close.submit)
  await page.keyboard.press('Enter')
  await dialog.waitFor({ state: 'hidden' })

  // the label and the resolved drawdown appear
  await page.getByTestId('case-label').getByText('scam_victim').waitFor()
  await page.getByTestId('case-resolution').getByText(zh.action.reject).waitFor()
  await page.getByRole('cell', { name: `label-case-${caseId}` }).waitFor()
  await screenshot(page, '07-case-closed')
  const closed = await wb.engine.store.cases.get(defaultTenant, caseId)
  assert.deepEqual([closed?.status, closed?.disposition, closed?.resolution], ['closed', 'scam_victim_dissuaded', 'reject'])
  const label = await wb.engine.store.findByEventId(defaultTenant, `label-case-${caseId}`)
  assert.ok(label, 'the label event is in the decision log')
  const kinds = (await wb.engine.store.cases.activities(caseId)).map((a) => a.kind)
  assert.deepEqual(kinds, ['opened', 'claimed', 'revealed', 'call', 'callback_scheduled', 'claimed', 'call', 'closed'])

  assert.deepEqual(browser.errors, [], 'the page logged no errors')
})
