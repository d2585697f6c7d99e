import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { RecordStore, StoredApiKey } from '../decisions/record-store.ts'

/**
 * API keys for machine clients: `xz_<id>_<secret>`. Only a SHA-256 of the
 * secret is stored; a high-entropy random secret needs no slow hash.
 */
export class ApiKeys {
  private readonly verified = new Map<string, KeyIdentity>()

  constructor(
    private readonly store: RecordStore,
    private readonly nowMs: () => number,
  ) {}

  /** A key of `tenantId`, acting as `owner` (a workbench user of that tenant: the caller checks) or as itself. */
  async create(name: string, tenantId: string, owner: string | null = null): Promise<{ key: string; id: string }> {
    const id = randomBytes(6).toString('hex')
    const secret = randomBytes(24).toString('base64url')
    await this.store.saveApiKey({ id, tenantId, name, owner, secretHash: hashSecret(secret), createdAtMs: this.nowMs(), revokedAtMs: null })
    return { key: `xz_${id}_${secret}`, id }
  }

  list(): Promise<StoredApiKey[]> {
    return this.store.listApiKeys()
  }

  async revoke(id: string): Promise<boolean> {
    for (const [key, value] of this.verified) if (value.keyId === id) this.verified.delete(key)
    return this.store.revokeApiKey(id, this.nowMs())
  }

  /** The tenant a presented key belongs to and the user it acts as, or undefined if it is unknown, malformed or revoked. */
  async verify(presented: string): Promise<KeyIdentity | undefined> {
    const cached = this.verified.get(presented)
    if (cached) return cached
    const match = /^xz_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$/.exec(presented)
    if (!match) return undefined
    const stored = await this.store.findApiKey(match[1]!)
    if (!stored || stored.revokedAtMs !== null) return undefined
    const expected = Buffer.from(stored.secretHash, 'hex')
    if (!timingSafeEqual(expected, Buffer.from(hashSecret(match[2]!), 'hex'))) return undefined
    const identity = { tenantId: stored.tenantId, keyId: stored.id, owner: stored.owner }
    this.verified.set(presented, identity)
    return identity
  }
}

export interface KeyIdentity {
  tenantId: string
  keyId: string
  /** The workbench user the key acts as, or null. */
  owner: string | null
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex')
