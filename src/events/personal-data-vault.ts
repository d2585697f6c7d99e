import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'

/**
 * Personal identifiers never sit in clear text outside the request: features,
 * lists and records key them by a blind index (keyed HMAC), and the original
 * event body is kept sealed with AES-256-GCM.
 */
export class PersonalDataVault {
  constructor(
    private readonly indexKey: Buffer,
    private readonly sealKey: Buffer,
  ) {
    if (indexKey.length !== 32 || sealKey.length !== 32) throw new Error('vault keys must be 32 bytes')
  }

  static generateKeys(): { indexKey: Buffer; sealKey: Buffer } {
    return { indexKey: randomBytes(32), sealKey: randomBytes(32) }
  }

  /**
   * Same value and kind, same index; different kinds never collide. The
   * first 22 characters (132 bits) of the HMAC's base64url, made as a string
   * of its own: a slice of the whole digest's text would keep that text alive
   * behind every key the feature engine holds, and make each key lookup read
   * two objects.
   */
  blindIndex(kind: string, value: string): string {
    indexText.write(createHmac('sha256', this.indexKey).update(kind).update('\0').update(value).digest('base64url'), 0, 22, 'latin1')
    return indexText.toString('latin1', 0, 22)
  }

  /**
   * The keys, for a vault on another thread of this process (a backtest
   * opens the log's sealed events on a worker): never written nor sent out.
   */
  keysForThread(): { indexKey: Buffer; sealKey: Buffer } {
    return { indexKey: this.indexKey, sealKey: this.sealKey }
  }

  seal(plain: string): Buffer {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), body])
  }

  open(sealed: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, sealed.subarray(0, 12))
    decipher.setAuthTag(sealed.subarray(12, 28))
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8')
  }
}

/** Where a blind index's text is copied to come out as a string of its own. */
const indexText = Buffer.alloc(22)
