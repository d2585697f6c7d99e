import type Database from 'better-sqlite3'
import type { Kysely, Selectable } from 'kysely'
import type { Role, StoredSession, StoredUser, UserStore } from '../../access/user-store.ts'
import type { SqliteSchema } from './sqlite-schema.ts'

const toUser = (r: Selectable<SqliteSchema['users']>): StoredUser => ({
  username: r.username,
  tenantId: r.tenant_id,
  displayName: r.display_name,
  roles: JSON.parse(r.roles) as Role[],
  passwordHash: r.password_hash,
  createdAtMs: r.created_at,
  disabledAtMs: r.disabled_at,
})

/** Workbench users and sessions in the records database (migrations `0008-review-desk`, `0016-user-tenants`). */
export class SqliteUserStore implements UserStore {
  private readonly selectUser: Database.Statement<[string], Selectable<SqliteSchema['users']>>
  private readonly selectSession: Database.Statement<[string], Selectable<SqliteSchema['user_sessions']>>

  constructor(
    private readonly db: Kysely<SqliteSchema>,
    /** The same connection: a session and its user are read on every workbench request, hence prepared statements. */
    sqlite: Database.Database,
  ) {
    this.selectUser = sqlite.prepare('select * from users where username = ?')
    this.selectSession = sqlite.prepare('select * from user_sessions where token_hash = ?')
  }

  async addUser(user: StoredUser): Promise<boolean> {
    const result = await this.db
      .insertInto('users')
      .values({ username: user.username, tenant_id: user.tenantId, display_name: user.displayName, roles: JSON.stringify(user.roles), password_hash: user.passwordHash, created_at: user.createdAtMs, disabled_at: user.disabledAtMs })
      .onConflict((oc) => oc.column('username').doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
  }

  async getUser(username: string): Promise<StoredUser | undefined> {
    const row = this.selectUser.get(username)
    return row ? toUser(row) : undefined
  }

  async listUsers(tenantId?: string): Promise<StoredUser[]> {
    let query = this.db.selectFrom('users').selectAll()
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId)
    return (await query.orderBy('username').execute()).map(toUser)
  }

  async updateUser(username: string, change: Partial<Pick<StoredUser, 'roles' | 'passwordHash' | 'displayName' | 'disabledAtMs'>>): Promise<boolean> {
    const set: Partial<Selectable<SqliteSchema['users']>> = {}
    if (change.roles !== undefined) set.roles = JSON.stringify(change.roles)
    if (change.passwordHash !== undefined) set.password_hash = change.passwordHash
    if (change.displayName !== undefined) set.display_name = change.displayName
    if (change.disabledAtMs !== undefined) set.disabled_at = change.disabledAtMs
    const result = await this.db.updateTable('users').set(set).where('username', '=', username).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async addSession(session: StoredSession): Promise<void> {
    await this.db
      .insertInto('user_sessions')
      .values({ token_hash: session.tokenHash, username: session.username, created_at: session.createdAtMs, expires_at: session.expiresAtMs, ended_at: session.endedAtMs })
      .execute()
  }

  async getSession(tokenHash: string): Promise<StoredSession | undefined> {
    const r = this.selectSession.get(tokenHash)
    return r ? { tokenHash: r.token_hash, username: r.username, createdAtMs: r.created_at, expiresAtMs: r.expires_at, endedAtMs: r.ended_at } : undefined
  }

  async endSession(tokenHash: string, atMs: number): Promise<void> {
    await this.db.updateTable('user_sessions').set({ ended_at: atMs }).where('token_hash', '=', tokenHash).where('ended_at', 'is', null).execute()
  }
}
