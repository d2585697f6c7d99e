import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import { PersonalDataVault } from '../../src/events/personal-data-vault.ts'

const { indexKey, sealKey } = PersonalDataVault.generateKeys()
const vault = new PersonalDataVault(indexKey, sealKey)

test('the blind index is HMAC-SHA-256 of kind and value under the index key', () => {
  for (const [kind, value] of [['phone', '13800138000'], ['id_number', '110101199003071234'], ['address', '北京市朝阳区建国路88号'], ['device', '']]) {
    const expected = createHmac('sha256', indexKey).update(`${kind}\0${value}`).digest('base64url').slice(0, 22)
    assert.equal(vault.blindIndex(kind!, value!), expected)
  }
  assert.notEqual(vault.blindIndex('phone', '13800138000'), vault.blindIndex('contacts', '13800138000'))
  const other = new PersonalDataVault(PersonalDataVault.generateKeys().indexKey, sealKey)
  assert.notEqual(other.blindIndex('phone', '13800138000'), vault.blindIndex('phone', '13800138000'))
})

test('sealed bodies open with the key, and any tampering is detected', () => {
  const sealed = vault.seal('{"phone":"13800138000"}')
  assert.ok(!sealed.toString('latin1').includes('13800138000'))
  assert.equal(vault.open(sealed), '{"phone":"13800138000"}')
  const tampered = Buffer.from(sealed)
  tampered[tampered.length - 1]! ^= 1
  assert.throws(() => vault.open(tampered))
})
