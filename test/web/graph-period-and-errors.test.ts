/**
 * The graph page's period, caps and errors in a real browser (Debian's
 * chromium, playwright-core): two users shared a phone three days ago, two
 * more share it today.
 * - the period picked in the form keeps only the edges seen in it, and the
 *   address keeps it; a day given as `to` in the address includes that
 *   whole day;
 * - a cap that cuts the answer short says so ("truncated");
 * - the API's refusals are shown: a bad period names its field, a value
 *   the graph does not hold says so;
 * - a typed value is looked up in a POST's body: no address the page asks
 *   for holds it.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { defaultTenant } from '../../src/app/open-engine.ts'
import { kindIndex } from '../../src/graph/node-table.ts'
import { en } from '../../web/src/i18n/en.ts'
import { exampleEvent } from '../support/temp-engine.ts'
import { ensureWebBuilt, openBrowser, type Session, screenshot, signIn, startWorkbench, type Workbench } from './workbench-harness.ts'

let wb: Workbench
let browser: Session
const sharedPhone = '13900008888'
let phoneNode = 0
/** The Beijing day three days ago, and today's, as YYYY-MM-DD. */
let oldDay = ''
let today = ''
const beijingDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10)
/** The page's own console errors, the API's expected refusals aside. */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of (400|404)/.test(e))

before(async () => {
  ensureWebBuilt()
  wb = await startWorkbench({ users: [['alice', ['reviewer'], 'Alice Reviewer']] })
  const now = wb.clock.nowMs()
  const day = 86_400_000
  // 10:00 in Beijing three days ago, and an hour ago (15:30 in Beijing is when the harness's clock starts)
  const old = Date.parse(`${beijingDay(now - 3 * day)}T10:00:00+08:00`)
  oldDay = beijingDay(old)
  today = beijingDay(now)
  let n = 0
  const apply = (user: string, atMs: number) => {
    n++
    return wb.engine.decisions.decide(
      defaultTenant,
      exampleEvent('credit.application', {
        id: `evt-period-${n}`,
        occurredAt: new Date(atMs).toISOString(),
        data: { applicationId: `app-period-${n}`, userId: user, deviceId: `dev-period-${n}`, phone: sharedPhone, idNumber: `11010119900307${String(n).padStart(4, '0')}`, ip: `198.51.100.${n}`, bankCard: `62220202001122${String(n).padStart(5, '0')}`, contacts: [], address: `地址 ${n}` },
      }),
    )
  }
  await apply('old-u1', old)
  await apply('old-u2', old + 60_000)
  await apply('new-u1', now - 3_600_000)
  await apply('new-u2', now - 3_540_000)
  phoneNode = wb.engine.graph.graph.nodes.find(kindIndex('phone'), wb.engine.vault.blindIndex('phone', sharedPhone))
  assert.ok(phoneNode >= 0, 'the phone is in the graph')
  browser = await openBrowser({ locale: 'en-US' })
  await signIn(browser.page, wb.url, 'alice', { username: en.signIn.username, password: en.signIn.password })
})

after(async () => {
  await browser?.close()
  await wb?.close()
})

const countsAre = (nodes: number) =>
  browser.page.waitForFunction((n) => Number(/^(\d+)/.exec(document.querySelector('[data-testid=graph-counts]')?.textContent ?? '')?.[1]) === n, nodes)

test('the period picked in the form keeps the edges seen in it, in the address too; a to day includes the whole day', async () => {
  const { page } = browser
  await page.goto(`${wb.url}/graph?node=${phoneNode}&hops=1`)
  await page.getByTestId('graph-canvas').waitFor()
  await countsAre(5)

  // three days ago only: the phone and the two users of that morning
  const start = page.getByLabel(`${en.graph.period} ${en.common.rangeStart}`)
  await start.click()
  await start.fill(`${oldDay} 00:00`)
  await page.keyboard.press('Enter')
  const end = page.getByLabel(`${en.graph.period} ${en.common.rangeEnd}`)
  await end.fill(`${oldDay} 23:59`)
  await page.keyboard.press('Enter')
  await page.getByRole('button', { name: en.graph.show }).click()
  await page.waitForURL(/from=.+&to=/)
  await countsAre(3)
  const address = new URL(page.url()).searchParams
  assert.equal(Date.parse(address.get('from')!), Date.parse(`${oldDay}T00:00:00+08:00`))
  assert.equal(Date.parse(address.get('to')!), Date.parse(`${oldDay}T23:59:00+08:00`))
  const users = page.getByTestId('graph-nodes').locator('tbody tr').filter({ hasText: en.entity.user })
  assert.equal(await users.count(), 2)
  await screenshot(page, 'graph-06-period')

  // days in the address: from and to the same day is that whole day
  await page.goto(`${wb.url}/graph?node=${phoneNode}&hops=1&from=${today}&to=${today}`)
  await page.getByTestId('graph-canvas').waitFor()
  await countsAre(3)
  await page.goto(`${wb.url}/graph?node=${phoneNode}&hops=1&from=${oldDay}&to=${today}`)
  await countsAre(5)
  assert.deepEqual(unexpected(browser.errors), [])
})

test('a cap that cuts the answer short says so', async () => {
  const { page } = browser
  await page.goto(`${wb.url}/graph?node=${phoneNode}&hops=1`)
  await countsAre(5)
  assert.equal(await page.getByTestId('graph-truncated').count(), 0)
  await page.goto(`${wb.url}/graph?node=${phoneNode}&hops=1&maxNodes=2`)
  await page.getByTestId('graph-truncated').waitFor()
  assert.equal(await page.getByTestId('graph-truncated').textContent(), en.graph.truncated)
  await countsAre(2)
})

test('the API’s refusals are shown: a bad period names its field, an unknown value says so', async () => {
  const { page } = browser
  await page.goto(`${wb.url}/graph?node=${phoneNode}&hops=1&from=${today}&to=${oldDay}`)
  const error = page.getByTestId('graph-error')
  await error.waitFor()
  assert.match((await error.textContent()) ?? '', /\/query\/from: from is after to/)
  await page.goto(`${wb.url}/graph?node=${phoneNode}&hops=1&from=2026-02-30`)
  await error.waitFor()
  assert.match((await error.textContent()) ?? '', /\/query\/from: give YYYY-MM-DD/)
  await screenshot(page, 'graph-07-bad-period')
  assert.deepEqual(unexpected(browser.errors), [])
})

test('a typed value is looked up in a POST body, never in an address', async () => {
  const { page } = browser
  const asked: string[] = []
  const posted: string[] = []
  const watch = (request: { url(): string; method(): string; postData(): string | null }) => {
    asked.push(request.url())
    if (request.method() === 'POST' && request.url().endsWith('/v1/graph/neighbourhood')) posted.push(request.postData() ?? '')
  }
  page.on('request', watch)
  try {
    await page.goto(`${wb.url}/graph`)
    const pick = async (value: string) => {
      await page.getByLabel(en.graph.kind, { exact: true }).click()
      await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', { hasText: new RegExp(`^${en.entity.phone}$`) }).click()
      await page.getByLabel(en.graph.value, { exact: true }).fill(value)
      await page.getByRole('button', { name: en.graph.show }).click()
    }
    // a phone the graph does not hold: said so
    await pick('13900000000')
    await page.getByTestId('graph-error').waitFor()
    assert.match((await page.getByTestId('graph-error').textContent()) ?? '', /No such entity in the graph/)
    // the shared phone: drawn, and the address names its node
    await pick(sharedPhone)
    await page.waitForURL(new RegExp(`node=${phoneNode}&`))
    // two hops: the four users, and each one's device, id number, IP address, bank card and address
    await countsAre(25)
    assert.equal(posted.length, 2)
    assert.ok(posted[1]!.includes(sharedPhone), 'the value went in the body')
    assert.deepEqual(
      asked.filter((url) => url.includes(sharedPhone) || url.includes('13900000000')),
      [],
      'no address the page asked for holds a typed value',
    )
    assert.ok(!page.url().includes(sharedPhone))
  } finally {
    page.off('request', watch)
  }
  assert.deepEqual(unexpected(browser.errors), [])
})
