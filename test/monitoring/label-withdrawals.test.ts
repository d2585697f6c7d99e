/**
 * A withdrawn label (`data.withdrawn: true` on a `label` event naming the
 * same subject and kind) is read as the label no longer standing, from when
 * the withdrawal became known — by monitoring, loan outcomes, training and
 * the shipped label features — and never as one more label.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadFeatures } from '../../src/app/load-definitions.ts'
import { EventTypeRegistry } from '../../src/events/event-type-registry.ts'
import { LabelBook, knownLabelOf } from '../../src/monitoring/label-outcomes.ts'
import { LoanBook } from '../../src/monitoring/loan-outcomes.ts'
import { LabelsAtCutoff } from '../../src/models/training/labels-at-cutoff.ts'

const t0 = Date.parse('2026-06-01T00:00:00Z')
const day = 86_400_000

test('monitoring: a withdrawn fraud label no longer makes its event positive, from the withdrawal on', () => {
  const book = (cutoffMs: number) => new LabelBook({ positive: 'fraud', negatives: ['legitimate'], maturityDays: 30, cutoffMs })
  const labels = [
    knownLabelOf({ subjectEventId: 'e1', label: 'fraud' }, t0 + day)!,
    knownLabelOf({ subjectEventId: 'e1', label: 'fraud', withdrawn: true }, t0 + 3 * day)!,
    knownLabelOf({ subjectEventId: 'e2', label: 'fraud' }, t0 + day)!,
    knownLabelOf({ subjectEventId: 'e2', label: 'scam_victim' }, t0 + day)!,
    knownLabelOf({ subjectEventId: 'e2', label: 'fraud', withdrawn: true }, t0 + 3 * day)!,
  ]
  assert.equal(labels[1]!.withdrawn, true)
  const before = book(t0 + 2 * day)
  const after = book(t0 + 40 * day)
  for (const label of labels) {
    before.add(label)
    after.add(label)
  }
  assert.equal(before.outcomeOf('e1', t0), 'positive')
  assert.equal(after.outcomeOf('e1', t0), 'negative', 'unlabelled again, and mature')
  assert.equal(after.isLabelled('e1'), false)
  assert.equal(after.outcomeOf('e2', t0), 'other', 'the scam_victim label stands')
})

test('loan outcomes: a withdrawn charge-off no longer makes the loan bad', () => {
  const loans = new LoanBook({ cutoffMs: t0 + 200 * day, daysPastDue: 30, badLabels: ['default', 'charge_off'] })
  loans.addEvent({ kind: 'drawdown', eventId: 'dd1', occurredAtMs: t0, loanId: 'L1', applicationId: 'A1' })
  loans.addLabel({ subjectEventId: 'dd1', label: 'charge_off', knownAtMs: t0 + 100 * day })
  loans.addLabel({ subjectEventId: 'dd1', label: 'default', knownAtMs: t0 + 100 * day })
  loans.addLabel({ subjectEventId: 'dd1', label: 'charge_off', knownAtMs: t0 + 120 * day, withdrawn: true })
  assert.equal(loans.outcomeOf('A1', 'app1'), 'bad', 'the default stands')
  loans.addLabel({ subjectEventId: 'dd1', label: 'default', knownAtMs: t0 + 130 * day, withdrawn: true })
  assert.equal(loans.outcomeOf('A1', 'app1'), 'good')
})

test('training: a withdrawal known by the cut-off takes the target off; one known after it does not', () => {
  const labelsAt = (cutoffMs: number) => {
    const labels = new LabelsAtCutoff({ target: 'fraud', cutoffMs, maturityMs: 30 * day, minDaysPastDue: 0 })
    labels.add({ subjectEventId: 'e1', label: 'fraud', knownAtMs: t0 + day })
    labels.add({ subjectEventId: 'e1', label: 'fraud', knownAtMs: t0 + 5 * day, withdrawn: true })
    return labels
  }
  const late = labelsAt(t0 + 60 * day)
  assert.deepEqual(late.outcome('e1', t0), { kind: 'negative', why: 'matured' })
  assert.equal(late.hasTarget('e1'), false)
  assert.equal(late.knownByCutoff, 0)
  const early = labelsAt(t0 + 2 * day)
  assert.deepEqual(early.outcome('e1', t0), { kind: 'positive' })
  assert.equal(early.knownAfterCutoff, 0, 'a withdrawal is not a label known late')
})

test('the shipped label features do not count a withdrawal as one more fraud label', () => {
  const registry = new EventTypeRegistry(() => t0)
  const features = loadFeatures(new URL('../../config', import.meta.url).pathname, registry, 'default')
  for (const name of ['confirmedFraudPerDevice30d', 'confirmedFraudPerBankCard30d']) {
    const filter = features.find((f) => f.name === name)!.filter!
    const label = (extra: Record<string, unknown>) => ({ type: 'label', occurredAtMs: t0, keys: {}, data: { subjectEventId: 'e1', label: 'fraud', source: 'review-desk', ...extra } })
    assert.equal(filter(label({})), true, name)
    assert.equal(filter(label({ withdrawn: true })), false, name)
    assert.equal(filter(label({ withdrawn: false })), true, name)
  }
})
