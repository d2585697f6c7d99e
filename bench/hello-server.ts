/**
 * The baseline server: what fastify on this machine does with a JSON POST of
 * the same size and nothing else (parse the body, answer a small object).
 * Decisions/s divided by this rate is the share of plain HTTP throughput the
 * decision pipeline keeps. Run as a child process by the bench.
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false })

app.get('/ready', async () => ({ ok: true }))
app.post('/v1/events', async (request) => ({ hello: 'world', id: (request.body as { id?: unknown } | null)?.id ?? null }))

const stop = () => void app.close().then(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
