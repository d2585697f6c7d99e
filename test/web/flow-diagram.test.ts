/**
 * The flow diagram in a real browser. An analyst drafts a new version of a
 * strategy whose flow has a rule set, score bands, a traffic split and two
 * outputs; in the diagram adds a rule-set node, writes its rule, and wires
 * it in with the labelled selects of the nodes' drawers, by keyboard only;
 * saves, and the diff names the new node. Then deletes that node: the edge
 * that led to it names a missing node, drawn in red, and the server's
 * `unknown_node` error shows on the node it points at. A decision's page
 * draws its strategy version with the nodes the decision went through
 * highlighted. Screenshots go to test-artifacts/screens.
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
let decisionId = ''
const labels = { username: zh.signIn.username, password: zh.signIn.password }
const strategyId = 'diagram-application'
/** A text of the workbench with its {{placeholders}} filled in, as i18next does. */
const text = (template: string, values: Record<string, string | number>) => template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key]))
const reason = (code: string) => ({ code, zh: `中文 ${code}`, en: `English ${code}` })

const flowStrategy = {
  eventType: 'credit.application',
  product: 'web-diagram',
  defaultAction: 'approve',
  onRuleError: 'review',
  models: [{ name: 'fraud', kind: 'logistic', intercept: -5, inputs: [{ feature: 'applicationsPerIp1h', weight: 0.3, cap: 20 }] }],
  flow: [
    {
      id: 'hard-rules',
      type: 'ruleSet',
      mode: 'serial',
      rules: [{ id: 'ip-storm', when: 'features.applicationsPerIp1h >= 10', action: 'reject', reason: reason('IP_APPLICATION_STORM') }],
      next: { hit: 'end' },
    },
    {
      id: 'score-bands',
      type: 'modelThreshold',
      score: 'fraud',
      bands: [{ id: 'fraud-high', when: '>= 0.8', action: 'reject', reason: reason('FRAUD_SCORE_HIGH') }],
      next: { hit: 'end' },
    },
    { id: 'limit-test', type: 'split', by: 'user', branches: [{ share: 90, next: 'standard' }, { share: 10, next: 'generous' }] },
    { id: 'standard', type: 'output', action: 'approve' },
    { id: 'generous', type: 'output', action: 'approve', reason: reason('GENEROUS_ARM'), offer: { limitMinor: '2000000', aprBps: '1200' } },
  ],
}

before(async () => {
  ensureWebBuilt()
  wb = await startWorkbench({ users: [['carol', ['analyst'], '陈分析']] })
  const lifecycle = new StrategyLifecycle({ store: wb.engine.store, clock: wb.engine.clock, catalogue: () => wb.engine.catalogue, watcher: wb.engine.strategies })
  await lifecycle.createDraft('default', strategyId, { document: flowStrategy }, 'key:seed')
  await lifecycle.submit(defaultTenant, strategyId, 1, {}, 'key:seed')
  await lifecycle.approve('default', strategyId, 1, {}, 'key:lead')
  const decided = await wb.engine.decisions.decide(
    defaultTenant,
    exampleEvent('credit.application', {
      id: 'evt-diagram-1',
      occurredAt: new Date(wb.clock.nowMs() - 60_000).toISOString(),
      data: {
        applicationId: 'app-diagram-1',
        userId: 'u-diagram-1',
        phone: '13600009999',
        idNumber: '110101199003039999',
        deviceId: 'dev-diagram-1',
        ip: '198.51.100.77',
        product: 'web-diagram',
        amountMinor: 500_000,
        declaredIncomeMinor: 2_000_000,
        contacts: [],
      },
    }),
  )
  decisionId = (JSON.parse(decided.body) as { decisionId: string }).decisionId
  browser = await openBrowser()
})

after(async () => {
  await browser?.close()
  await wb?.close()
})

/** Picks an option of a labelled select by keyboard: focus, type to filter (by id), Enter on the option shown as `shown`. */
async function chooseByKeyboard(label: string, option: string, shown = option) {
  const { page } = browser
  await page.getByLabel(label, { exact: true }).focus()
  await page.keyboard.type(option)
  await page.locator('.ant-select-item-option-active').getByText(shown, { exact: true }).waitFor()
  await page.keyboard.press('Enter')
  // the list closes before the next key goes to the drawer
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').waitFor({ state: 'hidden' })
}

test('the analyst adds a rule-set node, wires it by keyboard, saves and sees the diff; a deleted node’s dangling reference shows on the node', async () => {
  const { page } = browser
  await signIn(page, wb.url, 'carol', labels)
  await page.goto(`${wb.url}/strategies/${strategyId}`)
  await page.getByRole('button', { name: zh.strategy.newDraft }).click()
  await page.waitForURL(new RegExp(`/strategies/${strategyId}/versions/2$`))
  await page.getByRole('tab', { name: zh.flowDiagram.tab }).click()
  const diagram = page.getByTestId('flow-diagram')
  await diagram.getByTestId('flow-node-hard-rules').waitFor()
  // each node's box says what it does
  assert.match((await diagram.getByTestId('flow-node-limit-test').textContent()) ?? '', /90% \/ 10%/)
  assert.match((await diagram.getByTestId('flow-node-score-bands').textContent()) ?? '', /scores\.fraud/)
  await screenshot(page, '50-flow-diagram')

  // a new rule set, by keyboard: kind (the default), id, Enter; its drawer opens
  await page.getByLabel(zh.flowDiagram.newId).focus()
  await page.keyboard.type('blacklist')
  await page.keyboard.press('Enter')
  const drawer = page.getByTestId('drawer-blacklist')
  await drawer.waitFor()
  // its rule, then where it goes: on a hit to the end, on no hit to the score bands
  const when = drawer.getByLabel(text(zh.version.whenOf, { rule: 'blacklist-1' }), { exact: true })
  await when.fill('features.distinctUsersPerDevice24h >= 5')
  await chooseByKeyboard(text(zh.flowDiagram.onHitOf, { node: 'blacklist' }), 'end', zh.flowEditor.endOfFlow)
  await chooseByKeyboard(text(zh.flowDiagram.onMissOf, { node: 'blacklist' }), 'score-bands')
  assert.deepEqual(await unlabelledControls(page), [], 'form controls without a name in the node drawer')
  await page.keyboard.press('Escape')
  await drawer.waitFor({ state: 'hidden' })

  // the first node's drawer, opened from the keyboard: on no hit it now goes to the new node
  const openHardRules = text(zh.flowDiagram.openNode, { kind: zh.flowDiagram.kind.ruleSet, node: 'hard-rules' })
  await page.getByLabel(zh.flowDiagram.newId).focus()
  await tabTo(page, openHardRules)
  await page.keyboard.press('Enter')
  await page.getByTestId('drawer-hard-rules').waitFor()
  await chooseByKeyboard(text(zh.flowDiagram.onMissOf, { node: 'hard-rules' }), 'blacklist')
  await page.keyboard.press('Escape')
  await page.getByTestId('drawer-hard-rules').waitFor({ state: 'hidden' })
  await diagram.locator('.flow-edge-miss').first().waitFor()

  await page.getByRole('button', { name: zh.version.save }).click()
  await page.getByText(zh.version.saved).waitFor()
  type Saved = { flow: { id: string; next?: unknown; rules?: { when: string }[] }[] }
  const saved = JSON.parse((await wb.engine.store.getStrategyVersion('default', strategyId, 2))?.document ?? '{}') as Saved
  assert.deepEqual(
    saved.flow.map((n) => n.id),
    ['hard-rules', 'score-bands', 'limit-test', 'standard', 'generous', 'blacklist'],
  )
  assert.deepEqual(saved.flow[0]!.next, { hit: 'end', miss: 'blacklist' })
  assert.deepEqual(saved.flow[5]!.next, { hit: 'end', miss: 'score-bands' })
  assert.equal(saved.flow[5]!.rules![0]!.when, 'features.distinctUsersPerDevice24h >= 5')
  await screenshot(page, '51-flow-diagram-wired')

  await page.getByRole('tab', { name: zh.version.diffTab }).click()
  const diff = page.getByTestId('diff')
  await diff.getByText('+ /flow/hard-rules/next/miss: "blacklist"').waitFor()
  await diff.getByText('+ /flow/blacklist/type: "ruleSet"').waitFor()
  await diff.getByText('+ /flow/blacklist/rules/blacklist-1/when: "features.distinctUsersPerDevice24h >= 5"').waitFor()
  await screenshot(page, '52-flow-diagram-diff')

  // deleting the new node leaves the first node's "no hit" naming a missing node: drawn in red, refused by the server at that node
  await page.getByRole('tab', { name: zh.flowDiagram.tab }).click()
  await diagram.getByRole('button', { name: text(zh.flowDiagram.openNode, { kind: zh.flowDiagram.kind.ruleSet, node: 'blacklist' }) }).click()
  await page.getByRole('button', { name: text(zh.flowDiagram.deleteNode, { node: 'blacklist' }) }).click()
  const confirm = page.locator('.ant-popconfirm')
  await confirm.getByText(/hard-rules/).waitFor()
  // antd spaces out a two-character Chinese button label
  await confirm.getByRole('button', { name: new RegExp(`^${[...zh.flowDiagram.delete].join('\\s?')}$`) }).click()
  await diagram.getByTestId('flow-missing-blacklist').waitFor()
  assert.equal(await diagram.getByTestId('flow-node-blacklist').count(), 0)
  await page.getByRole('button', { name: zh.version.save }).click()
  const onNode = diagram.getByTestId('flow-node-error-hard-rules')
  await onNode.waitFor()
  assert.match((await onNode.textContent()) ?? '', /unknown_node/)
  await screenshot(page, '53-flow-diagram-dangling')
  // the drawer says it at the select
  await diagram.getByRole('button', { name: openHardRules }).click()
  await page.getByTestId('targets-hard-rules').getByText(/unknown_node/).waitFor()
  assert.match((await page.getByLabel(text(zh.flowDiagram.onMissOf, { node: 'hard-rules' }), { exact: true }).locator('xpath=ancestor::div[contains(@class,"ant-select")][1]').textContent()) ?? '', /blacklist/)
  await screenshot(page, '54-flow-node-drawer')
  await page.keyboard.press('Escape')
  await page.getByTestId('drawer-hard-rules').waitFor({ state: 'hidden' })

  // the mouse way: dragging the first node's "no hit" handle onto the score bands points it there, and the draft saves
  await page.locator('.ant-drawer-mask').waitFor({ state: 'hidden' })
  const handle = diagram.getByTestId('flow-node-hard-rules').locator('.react-flow__handle.flow-handle-miss')
  const target = diagram.getByTestId('flow-node-score-bands').locator('.react-flow__handle.target')
  const from = (await handle.boundingBox())!
  const to = (await target.boundingBox())!
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2)
  await page.mouse.down()
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 10 })
  await page.mouse.up()
  await diagram.getByTestId('flow-missing-blacklist').waitFor({ state: 'detached' })
  await page.getByRole('button', { name: zh.version.save }).click()
  await page.getByText(zh.version.saved).waitFor()
  const fixed = JSON.parse((await wb.engine.store.getStrategyVersion('default', strategyId, 2))?.document ?? '{}') as Saved
  assert.deepEqual(fixed.flow[0]!.next, { hit: 'end', miss: 'score-bands' })
  assert.equal(await diagram.getByTestId('flow-node-error-hard-rules').count(), 0, 'the error is gone with the save')
  await screenshot(page, '55-flow-diagram-dragged')
  // the refused save is the one error the browser logs
  assert.deepEqual(browser.errors.filter((e) => !/status of 400 .*\/v1\/strategies\/diagram-application\/versions\/2\)$/.test(e)), [], 'the page logged no other errors')
})

test('the decision page draws the strategy version with the decision’s path highlighted', async () => {
  const { page } = browser
  const earlier = browser.errors.length
  const explanation = (await (await page.request.get(`${wb.url}/v1/decisions/${decisionId}/explanation`)).json()) as { path: string[] }
  assert.ok(explanation.path.length >= 4, `path ${explanation.path.join(' → ')}`)
  assert.deepEqual(explanation.path.slice(0, 3), ['hard-rules', 'score-bands', 'limit-test'])
  await page.goto(`${wb.url}/decisions/${decisionId}`)
  const flow = page.getByTestId('decision-flow-path')
  await flow.getByTestId('flow-node-hard-rules').waitFor()
  for (const id of ['hard-rules', 'score-bands', 'limit-test', 'standard', 'generous']) {
    assert.equal(await flow.getByTestId(`flow-node-${id}`).getAttribute('data-visited'), String(explanation.path.includes(id)), `${id} highlighted only if visited`)
  }
  // the edges it took are drawn as taken: one per step, and the last to the end
  assert.equal(await flow.locator('.flow-edge-taken').count(), explanation.path.length - 1 + (explanation.path.at(-1) === 'standard' || explanation.path.at(-1) === 'generous' ? 0 : 1))
  await screenshot(page, '56-decision-flow-path')
  assert.deepEqual(browser.errors.slice(earlier), [])
})
