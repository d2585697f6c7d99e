/** The roles of the workbench; a user may hold several. */
export const roles = ['reviewer', 'analyst', 'approver', 'admin'] as const
export type Role = (typeof roles)[number]

export interface StoredUser {
  username: string
  /** The tenant the user acts for (whose strategies, decisions and cases it sees); usernames are unique across tenants. */
  tenantId: string
  displayName: string
  roles: Role[]
  /** An argon2id PHC string. */
  passwordHash: string
  createdAtMs: number
  disabledAtMs: number | null
}

export interface StoredSession {
  /** sha256 of the session token: the token itself is never stored. */
  tokenHash: string
  username: string
  createdAtMs: number
  expiresAtMs: number
  endedAtMs: number | null
}

/** Workbench users and their sessions. */
export interface UserStore {
  /** false when the username is taken. */
  addUser(user: StoredUser): Promise<boolean>
  getUser(username: string): Promise<StoredUser | undefined>
  /** Every user, or a tenant's, by username. */
  listUsers(tenantId?: string): Promise<StoredUser[]>
  updateUser(username: string, change: Partial<Pick<StoredUser, 'roles' | 'passwordHash' | 'displayName' | 'disabledAtMs'>>): Promise<boolean>
  addSession(session: StoredSession): Promise<void>
  getSession(tokenHash: string): Promise<StoredSession | undefined>
  endSession(tokenHash: string, atMs: number): Promise<void>
}
