import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Role } from '../../access/user-store.ts'
import { roles } from '../../access/user-store.ts'
import type { Engine } from '../../app/open-engine.ts'
import { forbidden } from '../../core/errors.ts'
import { Problem } from '../api-schemas.ts'
import { locatedInRequest } from '../located-in-request.ts'

/** The workbench's session cookie: HttpOnly, SameSite=Strict, for the API's paths. */
export const sessionCookie = 'xiezhi_session'

/** A workbench user acts for its tenant, an API key for its own. */
const TenantId = Type.String({ description: 'The tenant the caller acts for: whose strategies, decisions and cases it sees' })
const UserView = Type.Object({ username: Type.String(), tenantId: TenantId, displayName: Type.String(), roles: Type.Array(Type.String()) })

/**
 * Lets a workbench user through if one of `allowed` is among its roles
 * (admin may do everything). API keys and XIEZHI_AUTH=off have no user and
 * pass: their holders are trusted integrations or local trials.
 */
export function requireRole(request: FastifyRequest, ...allowed: Role[]) {
  const user = request.user
  if (user && !user.roles.some((r) => r === 'admin' || allowed.includes(r))) throw forbidden(`${user.username} may not do this`, allowed.join(' or '))
}

/** Sign-in, sign-out and who is signed in; users, for admins. */
export function registerSessionRoutes(app: FastifyInstance, engine: Engine) {
  app.post<{ Body: { username: string; password: string } }>(
    '/v1/session',
    {
      schema: {
        summary: 'Sign in to the workbench',
        description: `Checks the username and password and sets the session cookie (${sessionCookie}; HttpOnly, SameSite=Strict). Sessions end at sign-out or after XIEZHI_SESSION_HOURS.`,
        tags: ['workbench'],
        body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ user: UserView, tenantId: TenantId, expiresAt: Type.String({ format: 'date-time' }) }), 401: Problem },
      },
    },
    async (request, reply) => {
      const { token, user, expiresAtMs } = await engine.users.signIn(request.body.username, request.body.password)
      void reply.setCookie(sessionCookie, token, { path: '/', httpOnly: true, sameSite: 'strict', expires: new Date(expiresAtMs), secure: request.protocol === 'https' })
      return { user, tenantId: user.tenantId, expiresAt: new Date(expiresAtMs).toISOString() }
    },
  )

  app.get('/v1/session', { schema: { summary: 'The signed-in user', tags: ['workbench'], response: { 200: Type.Object({ user: Type.Union([UserView, Type.Null()]), actor: Type.String(), tenantId: TenantId }) } } }, async (request) => ({
    user: request.user,
    actor: request.actor,
    tenantId: request.tenantId,
  }))

  app.delete('/v1/session', { schema: { summary: 'Sign out', tags: ['workbench'] } }, async (request, reply) => {
    const token = request.cookies[sessionCookie]
    if (token) await engine.users.signOut(token)
    void reply.clearCookie(sessionCookie, { path: '/' })
    return reply.code(204).send()
  })

  app.get('/v1/users', { schema: { summary: "The workbench users of the caller's tenant", tags: ['workbench'] } }, async (request) => {
    requireRole(request, 'admin')
    return { items: await engine.users.list(request.tenantId) }
  })

  app.post<{ Body: { username: string; password: string; roles: Role[]; displayName?: string } }>(
    '/v1/users',
    {
      schema: {
        summary: "Add a workbench user of the caller's tenant",
        tags: ['workbench'],
        body: Type.Object(
          {
            username: Type.String(),
            password: Type.String({ description: 'At least 10 characters; kept as an argon2id hash' }),
            roles: Type.Array(Type.Unsafe<Role>({ type: 'string', enum: [...roles] }), { minItems: 1 }),
            displayName: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: UserView, 400: Problem, 403: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      requireRole(request, 'admin')
      const user = await locatedInRequest({ username: 'body', password: 'body', roles: 'body', displayName: 'body' }, () => engine.users.add(request.body, request.tenantId))
      return reply.code(201).send(user)
    },
  )
}
