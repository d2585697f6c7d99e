import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import pino from 'pino'
import { buildServer } from '../../src/api/build-server.ts'
import { exampleEvent, openTestEngine, tempDataDir } from '../support/temp-engine.ts'

test('logs at the most verbose level never contain personal identifiers or API keys', async () => {
  const lines: string[] = []
  const sink = new Writable({
    write: (chunk, _encoding, done) => {
      lines.push(String(chunk))
      done()
    },
  })
  const data = tempDataDir()
  const engine = await openTestEngine(data.dir, { onFatal: () => {} })
  const { app } = await buildServer(engine, { logger: pino({ level: 'trace', redact: ['req.headers.authorization'] }, sink) })
  try {
    const application = exampleEvent('credit.application', { id: 'privacy-1', occurredAt: new Date(Date.now() - 60_000).toISOString() })
    const secrets = [application.data.idNumber, application.data.phone, application.data.bankCard, application.data.address, '13900139000'] as string[]
    const send = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: 'Bearer xz_secret', 'content-type': 'application/json' }, payload: payload as string })
    await send(application)
    await send({ ...application, data: { ...application.data, amountMinor: 'lots' } })
    await send({ ...application, data: { ...application.data, userId: 1 } })
    await send(`{"broken": "${application.data.idNumber}`)
    // a request that fails inside the server is logged with its error; it must not drag the body along
    engine.decisions.decide = async () => {
      throw new Error('simulated failure')
    }
    const failed = await send({ ...application, id: 'privacy-2' })
    assert.equal(failed.statusCode, 500)
    const log = lines.join('')
    assert.ok(log.includes('simulated failure'), 'the failure was logged')
    for (const secret of [...secrets, 'xz_secret']) assert.ok(!log.includes(secret), `log contains ${secret}`)
  } finally {
    await app.close()
    await engine.close()
    data.remove()
  }
})
