/**
 * The workbench as a person uses it: the real server (`buildServer` on a
 * port of its own, over a temporary data directory, with a clock the test
 * can move), the built page (`web/dist`, rebuilt when a source is newer),
 * and Debian's chromium driven by playwright-core. No browser is downloaded:
 * without /usr/bin/chromium the tests fail and say how to install it.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { buildServer } from '../../src/api/build-server.ts'
import type { Role } from '../../src/access/user-store.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, openEngine } from '../../src/app/open-engine.ts'
import { tempDataDir } from '../support/temp-engine.ts'

export const chromiumPath = process.env.XIEZHI_CHROMIUM ?? '/usr/bin/chromium'
/** What works on this kind of machine (closed network, root): no sandbox, no GPU, nothing that calls home. */
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const screensDir = join(repoRoot, 'test-artifacts', 'screens')
export const password = 'correct horse battery staple'

/** Fails with the fix when Debian's chromium is missing: these tests must not pass by skipping. */
export function requireChromium(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `The workbench's browser tests need Debian's chromium at ${chromiumPath}, and it is missing. Install it with ` +
        '`apt-get install -y --no-install-recommends chromium` (sudo if not root; .ci/run does it), or point XIEZHI_CHROMIUM at a Chromium. No browser is downloaded.',
    )
  }
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** `npm ci` builds the page (`prepare`); a source edited since is rebuilt here, so the test never runs an old page. */
export function ensureWebBuilt(): void {
  const index = join(repoRoot, 'web', 'dist', 'index.html')
  const fresh = () => {
    const sources = Math.max(newestMtime(join(repoRoot, 'web', 'src')), statSync(join(repoRoot, 'web', 'index.html')).mtimeMs, statSync(join(repoRoot, 'web', 'vite.config.ts')).mtimeMs)
    return existsSync(index) && statSync(index).mtimeMs >= sources
  }
  if (fresh()) return
  // test files may run at once: one builds, the others wait for it
  const lock = join(repoRoot, 'web', '.build.lock')
  const deadline = Date.now() + 180_000
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'))
      break
    } catch {
      if (Date.now() > deadline) assert.fail(`${lock} has been held for 3 minutes: remove it if no build is running`)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250)
      if (!existsSync(lock) && fresh()) return
    }
  }
  try {
    if (fresh()) return
    const built = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: repoRoot, encoding: 'utf8' })
    assert.equal(built.status, 0, `building the workbench failed:\n${built.stdout}\n${built.stderr}`)
  } finally {
    rmSync(lock, { force: true })
  }
}

/** A clock that runs with real time from a chosen start, and jumps when told. */
export class TestClock {
  private offsetMs: number
  constructor(startMs: number) {
    this.offsetMs = startMs - Date.now()
  }
  nowMs = () => Date.now() + this.offsetMs
  /** Moves the clock to `atMs` (only forwards). */
  jumpTo(atMs: number) {
    assert.ok(atMs >= this.nowMs(), 'the clock only moves forwards')
    this.offsetMs = atMs - Date.now()
  }
}

/** The next 15:30 in Beijing from now: an afternoon, when the scams peak, that the session cookie (in real time) has not passed. */
export function nextAfternoonInBeijing(): number {
  const beijing = 8 * 3_600_000
  const day = 86_400_000
  const localMidnight = Math.floor((Date.now() + beijing) / day) * day - beijing
  const today = localMidnight + 15.5 * 3_600_000
  return today > Date.now() + 60_000 ? today : today + day
}

export interface Workbench {
  url: string
  engine: Engine
  app: FastifyInstance
  clock: TestClock
  close(): Promise<void>
}

/** The server as `xiezhi serve` builds it, with authentication on, listening on a free port. */
export async function startWorkbench(options: { startMs?: number; users?: [string, Role[], string?][] } = {}): Promise<Workbench> {
  const data = tempDataDir('xiezhi-web-')
  const clock = new TestClock(options.startMs ?? nextAfternoonInBeijing())
  const engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }), { clock })
  const { app } = await buildServer(engine)
  for (const [username, roles, displayName] of options.users ?? []) await engine.users.add({ username, password, roles, ...(displayName ? { displayName } : {}) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    engine,
    app,
    clock,
    async close() {
      await app.close()
      await engine.close()
      data.remove()
    },
  }
}

export interface Session {
  browser: Browser
  context: BrowserContext
  page: Page
  /** Errors the page logged or threw (expected 401s of a signed-out page aside). */
  errors: string[]
  close(): Promise<void>
}

/** A fresh browser (its own profile) in Beijing time, in Chinese unless told otherwise. */
export async function openBrowser(options: { locale?: string } = {}): Promise<Session> {
  requireChromium()
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags, timeout: 30_000 })
  const context = await browser.newContext({ locale: options.locale ?? 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1440, height: 1000 } })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    const text = message.text()
    // a signed-out page asks who is signed in and is told 401: expected, not an error of the page
    if (/status of 401/.test(text)) return
    errors.push(`console: ${text}${message.location().url ? ` (${message.location().url})` : ''}`)
  })
  return {
    browser,
    context,
    page,
    errors,
    async close() {
      await context.close()
      await browser.close()
    },
  }
}

/** Saves a full-page screenshot as a test artefact (test-artifacts/screens, git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screensDir, { recursive: true })
  // let charts and animations settle
  await page.waitForTimeout(300)
  await page.screenshot({ path: join(screensDir, `${name}.png`), fullPage: true })
}

/** Presses Tab until the focused element has this accessible name (or text): the control is reachable by keyboard. */
export async function tabTo(page: Page, name: string | RegExp, maxTabs = 120): Promise<void> {
  const matches = (text: string) => (typeof name === 'string' ? text.trim() === name : name.test(text))
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      if (!el) return ''
      const labelledBy = el.getAttribute('aria-labelledby')
      const byIds = labelledBy ? labelledBy.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ') : ''
      const byLabel = el.id ? (document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent ?? '') : ''
      const wrapping = el.closest('label')?.textContent ?? ''
      return [el.getAttribute('aria-label') ?? '', byIds, byLabel, wrapping, el.textContent ?? ''].filter((s) => s.trim() !== '').join('\n')
    })
    if (focused.split('\n').some(matches)) return
  }
  assert.fail(`no control named ${String(name)} was reached with ${maxTabs} presses of Tab`)
}

/**
 * Form controls without an accessible name: inputs, text areas, selects,
 * comboboxes, radios, checkboxes and switches must each have a label, an
 * aria-label, an aria-labelledby that resolves, or a wrapping label.
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const controls = document.querySelectorAll<HTMLElement>(
      'input:not([type=hidden]):not([aria-hidden=true]), textarea, select, [role=combobox], [role=switch], [role=radio], [role=checkbox], [role=slider], [role=spinbutton], [role=radiogroup]',
    )
    const missing: string[] = []
    for (const el of controls) {
      // a control drawn off screen or hidden is not offered to anyone
      const style = getComputedStyle(el)
      if (style.display === 'none' || style.visibility === 'hidden') continue
      if (el.closest('[aria-hidden=true]')) continue
      const named =
        (el.getAttribute('aria-label') ?? '').trim() !== '' ||
        (el.getAttribute('aria-labelledby') ?? '').split(/\s+/).some((id) => id && (document.getElementById(id)?.textContent ?? '').trim() !== '') ||
        (el.id !== '' && (document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent ?? '').trim() !== '') ||
        (el.closest('label')?.textContent ?? '').trim() !== '' ||
        (el.getAttribute('title') ?? '').trim() !== '' ||
        ((el.tagName === 'INPUT' && (el as HTMLInputElement).type === 'radio') || el.getAttribute('role') === 'radio' ? (el.parentElement?.textContent ?? '').trim() !== '' : false)
      if (!named) missing.push(el.outerHTML.slice(0, 160))
    }
    return missing
  })
}

/** Signs in through the sign-in page, by keyboard: the fields are found by their labels, Enter submits. */
export async function signIn(page: Page, url: string, username: string, labels: { username: string; password: string }): Promise<void> {
  await page.goto(url)
  const user = page.getByLabel(labels.username)
  await user.waitFor()
  await user.fill(username)
  await page.keyboard.press('Tab')
  await page.getByLabel(labels.password).fill(password)
  await page.keyboard.press('Enter')
  await page.getByTestId('signed-in-user').waitFor()
}
