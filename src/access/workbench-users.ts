import { createHash, randomBytes } from 'node:crypto'
import { hash, verify } from '@node-rs/argon2'
import type { Clock } from '../core/clock.ts'
import { type FieldIssue, invalidInput, XiezhiError } from '../core/errors.ts'
import { type Role, roles, type StoredUser, type UserStore } from './user-store.ts'

/** A signed-in user as requests see it. */
export interface WorkbenchUser {
  username: string
  /** The tenant the user acts for. */
  tenantId: string
  displayName: string
  roles: Role[]
}

const usernamePattern = /^[a-z][a-z0-9._-]{1,63}$/
export const minPasswordLength = 10
const tokenHashOf = (token: string) => createHash('sha256').update(token).digest('hex')
const view = (u: StoredUser): WorkbenchUser => ({ username: u.username, tenantId: u.tenantId, displayName: u.displayName, roles: u.roles })

/**
 * The workbench's users (reviewer, analyst, approver, admin) and their
 * sessions. Passwords are kept as argon2id hashes; a session is a random
 * token whose hash alone is stored, ending at sign-out or after
 * `sessionHours`, whichever comes first.
 */
export class WorkbenchUsers {
  /** A hash of nothing: signing in as an unknown user costs the same as a wrong password. */
  private readonly decoy = hash(randomBytes(16).toString('hex'))

  constructor(private readonly deps: { store: UserStore; clock: Clock; sessionHours: number }) {}

  /** A user of `tenantId`, the default tenant (`defaultTenant`) unless told; an admin adds users of its own tenant. */
  async add(input: { username: unknown; password: unknown; roles: unknown; displayName?: unknown }, tenantId = 'default'): Promise<WorkbenchUser> {
    const issues: FieldIssue[] = []
    if (typeof input.username !== 'string' || !usernamePattern.test(input.username))
      issues.push({ pointer: '/username', code: 'invalid_format', message: 'username: 2–64 lower-case letters, digits, . _ -, starting with a letter' })
    checkPassword(input.password, issues)
    const given = Array.isArray(input.roles) ? input.roles : []
    if (given.length === 0 || !given.every((r) => (roles as readonly unknown[]).includes(r))) issues.push({ pointer: '/roles', code: 'invalid_value', message: `roles: one or more of ${roles.join(', ')}` })
    if (input.displayName !== undefined && (typeof input.displayName !== 'string' || input.displayName.length > 100)) issues.push({ pointer: '/displayName', code: 'invalid_value', message: 'displayName: text of at most 100 characters' })
    if (issues.length > 0) throw invalidInput('The user is invalid', issues)
    const user: StoredUser = {
      username: input.username as string,
      tenantId,
      displayName: (input.displayName as string | undefined) ?? (input.username as string),
      roles: [...new Set(given as Role[])],
      passwordHash: await hash(input.password as string),
      createdAtMs: this.deps.clock.nowMs(),
      disabledAtMs: null,
    }
    if (!(await this.deps.store.addUser(user))) {
      throw new XiezhiError('conflict', `User "${user.username}" exists already`, [{ pointer: '/username', code: 'already_exists', message: 'the username is taken' }])
    }
    return view(user)
  }

  /** A tenant's users, or every tenant's when none is named (the command line). */
  async list(tenantId?: string): Promise<(WorkbenchUser & { disabled: boolean })[]> {
    return (await this.deps.store.listUsers(tenantId)).map((u) => ({ ...view(u), disabled: u.disabledAtMs !== null }))
  }

  /** A new session for the right username and password; the same refusal whatever was wrong. */
  async signIn(username: unknown, password: unknown): Promise<{ token: string; user: WorkbenchUser; expiresAtMs: number }> {
    const user = typeof username === 'string' ? await this.deps.store.getUser(username) : undefined
    const ok = typeof password === 'string' && (await verify(user?.passwordHash ?? (await this.decoy), password))
    if (!user || !ok || user.disabledAtMs !== null) throw new XiezhiError('unauthorized', 'Wrong username or password')
    const token = randomBytes(32).toString('base64url')
    const nowMs = this.deps.clock.nowMs()
    const expiresAtMs = nowMs + this.deps.sessionHours * 3_600_000
    await this.deps.store.addSession({ tokenHash: tokenHashOf(token), username: user.username, createdAtMs: nowMs, expiresAtMs, endedAtMs: null })
    return { token, user: view(user), expiresAtMs }
  }

  /** The user of a live session: not ended, not expired, the user not disabled. */
  async session(token: string): Promise<WorkbenchUser | undefined> {
    const session = await this.deps.store.getSession(tokenHashOf(token))
    if (!session || session.endedAtMs !== null || session.expiresAtMs <= this.deps.clock.nowMs()) return undefined
    return this.active(session.username)
  }

  /** A user who may act now (not disabled), or undefined. */
  async active(username: string): Promise<WorkbenchUser | undefined> {
    const user = await this.deps.store.getUser(username)
    return user && user.disabledAtMs === null ? view(user) : undefined
  }

  async signOut(token: string): Promise<void> {
    await this.deps.store.endSession(tokenHashOf(token), this.deps.clock.nowMs())
  }

  async setPassword(username: string, password: unknown): Promise<void> {
    const issues: FieldIssue[] = []
    checkPassword(password, issues)
    if (issues.length > 0) throw invalidInput('The password is invalid', issues)
    if (!(await this.deps.store.updateUser(username, { passwordHash: await hash(password as string) }))) throw unknownUser(username)
  }

  async disable(username: string): Promise<void> {
    if (!(await this.deps.store.updateUser(username, { disabledAtMs: this.deps.clock.nowMs() }))) throw unknownUser(username)
  }
}

function checkPassword(password: unknown, issues: FieldIssue[]) {
  if (typeof password !== 'string' || Array.from(password).length < minPasswordLength || password.length > 200) {
    issues.push({ pointer: '/password', code: 'invalid_value', message: `password: at least ${minPasswordLength} characters` })
  }
}

const unknownUser = (username: string) => new XiezhiError('not_found', `User "${username}" does not exist`, [{ pointer: '/username', code: 'unknown_user', message: 'no such user' }])
