import { type TSchema, Type } from '@sinclair/typebox'
import type { EntityPaths } from './entities.ts'
import { labelKinds } from './label-kinds.ts'

/**
 * The event types every tenant has. Amounts are integers in minor units (fen);
 * a float amount is a validation error, never rounded. `data` holds the
 * payload; the envelope (id, type, occurredAt) is common to all types.
 */
const Id = (description: string) => Type.String({ minLength: 1, maxLength: 128, description })
const Phone = Type.String({ pattern: '^\\+?[0-9]{6,20}$', description: 'Phone number, digits with an optional leading +' })
const MinorUnits = (description: string) =>
  Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: `${description}, integer minor units (fen)` })
const Currency = Type.String({ pattern: '^[A-Z]{3}$', default: 'CNY', description: 'ISO 4217 currency code' })
const Ip = Type.String({ anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }], description: 'IPv4 or IPv6 address' })
const OneOf = (values: string[], description?: string) => Type.Unsafe<string>({ type: 'string', enum: values, description })
const Instant = (description: string) => Type.String({ format: 'date-time', maxLength: 40, description: `${description}, ISO 8601 with its offset` })
const Geo = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
  { additionalProperties: false },
)
const Contact = Type.Object(
  { phone: Phone, relation: Type.Optional(Type.String({ maxLength: 32 })) },
  { additionalProperties: false },
)

export interface BuiltinEventType {
  type: string
  description: string
  schema: TSchema
  entities: EntityPaths
  /**
   * Where in the loan's life events of this type sit, when it is always the
   * same: the stage of their decision point (a strategy's `stage`). Complaints
   * come at any stage and name it in `data.stage`; labels have none.
   */
  stage?: 'pre_loan' | 'in_loan' | 'post_loan' | 'login' | 'marketing' | 'account'
}

export const builtinEventTypes: BuiltinEventType[] = [
  {
    type: 'marketing.click',
    stage: 'marketing',
    description: 'A click on a marketing link or ad (acquisition traffic).',
    schema: Type.Object(
      {
        clickId: Id('Click id'),
        campaignId: Id('Campaign id'),
        channel: Type.String({ minLength: 1, maxLength: 64 }),
        deviceId: Id('Device fingerprint'),
        ip: Ip,
        city: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The city resolved from the IP or GPS' })),
        geo: Type.Optional(Geo),
        userId: Type.Optional(Id('Customer id, when the clicker is known')),
      },
      { additionalProperties: false },
    ),
    entities: { device: '/deviceId', ip: '/ip', user: '/userId' },
  },
  {
    type: 'account.registered',
    stage: 'account',
    description: 'A customer opened an account.',
    schema: Type.Object(
      {
        userId: Id('Customer id'),
        phone: Phone,
        idNumber: Type.Optional(Id('National id number')),
        deviceId: Type.Optional(Id('Device fingerprint')),
        ip: Type.Optional(Ip),
        channel: Type.Optional(Type.String({ maxLength: 64 })),
        birthYear: Type.Optional(Type.Integer({ minimum: 1900, maximum: 2100 })),
        gender: Type.Optional(OneOf(['female', 'male', 'other'])),
      },
      { additionalProperties: false },
    ),
    entities: { user: '/userId', phone: '/phone', id_number: '/idNumber', device: '/deviceId', ip: '/ip' },
  },
  {
    type: 'login',
    stage: 'login',
    description: 'A login attempt, successful or not.',
    schema: Type.Object(
      {
        userId: Id('Customer id'),
        deviceId: Id('Device fingerprint'),
        ip: Ip,
        success: Type.Boolean(),
        method: Type.Optional(OneOf(['password', 'sms', 'biometric', 'token'])),
        phone: Type.Optional(Phone),
        geo: Type.Optional(Geo),
        livenessPassed: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    entities: { user: '/userId', device: '/deviceId', ip: '/ip', phone: '/phone' },
  },
  {
    type: 'credit.application',
    stage: 'pre_loan',
    description: 'A credit application (pre-loan); the decision may carry a limit and a price.',
    schema: Type.Object(
      {
        applicationId: Id('Application id'),
        userId: Id('Customer id'),
        idNumber: Id('National id number'),
        phone: Phone,
        deviceId: Id('Device fingerprint'),
        ip: Ip,
        product: Type.String({ minLength: 1, maxLength: 64 }),
        amountMinor: MinorUnits('Requested amount'),
        currency: Currency,
        termMonths: Type.Integer({ minimum: 1, maximum: 360 }),
        declaredIncomeMinor: Type.Optional(MinorUnits('Declared monthly income')),
        age: Type.Optional(Type.Integer({ minimum: 14, maximum: 120 })),
        bankCard: Type.Optional(Id('Bank card number')),
        address: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
        contacts: Type.Optional(Type.Array(Contact, { maxItems: 20 })),
        geo: Type.Optional(Geo),
      },
      { additionalProperties: false },
    ),
    entities: {
      user: '/userId',
      id_number: '/idNumber',
      phone: '/phone',
      device: '/deviceId',
      ip: '/ip',
      bank_card: '/bankCard',
      address: '/address',
      contacts: '/contacts/*/phone',
    },
  },
  {
    type: 'loan.drawdown',
    stage: 'in_loan',
    description: 'A drawdown (in-loan): money leaving to a bank card.',
    schema: Type.Object(
      {
        loanId: Id('Loan (IOU) id'),
        applicationId: Type.Optional(Id("The credit application that granted the loan (its data.applicationId): what links the loan's repayments to the decision on the application")),
        firstDueAt: Type.Optional(Instant('When the first instalment is due')),
        userId: Id('Customer id'),
        deviceId: Id('Device fingerprint'),
        ip: Ip,
        amountMinor: MinorUnits('Drawdown amount'),
        currency: Currency,
        bankCard: Id('Destination bank card'),
        newPayee: Type.Optional(Type.Boolean()),
        screenSharingActive: Type.Optional(Type.Boolean()),
        callForwardingActive: Type.Optional(Type.Boolean()),
        phone: Type.Optional(Phone),
      },
      { additionalProperties: false },
    ),
    entities: { user: '/userId', device: '/deviceId', ip: '/ip', bank_card: '/bankCard', phone: '/phone' },
  },
  {
    type: 'loan.repayment',
    stage: 'post_loan',
    description: 'A scheduled repayment: paid, partly paid or missed.',
    schema: Type.Object(
      {
        loanId: Id('Loan (IOU) id'),
        userId: Id('Customer id'),
        installment: Type.Integer({ minimum: 1, maximum: 360 }),
        dueAt: Type.Optional(Instant('When the instalment was due; without it, occurredAt less daysPastDue days')),
        dueAmountMinor: MinorUnits('Amount due'),
        paidAmountMinor: MinorUnits('Amount paid'),
        currency: Currency,
        status: OneOf(['paid', 'partial', 'missed']),
        daysPastDue: Type.Integer({ minimum: 0, maximum: 10_000 }),
        bankCard: Type.Optional(Id('Paying bank card')),
      },
      { additionalProperties: false },
    ),
    entities: { user: '/userId', bank_card: '/bankCard' },
  },
  {
    type: 'equipment.telemetry',
    stage: 'in_loan',
    description: "A reading from an SME borrower's production equipment over a period (IoT).",
    // runMinutes ≤ periodMinutes is left to rules: JSON Schema cannot compare two fields
    schema: Type.Object(
      {
        equipmentId: Id('Equipment id'),
        userId: Id('Owner: the SME borrower'),
        periodMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
        runMinutes: Type.Integer({ minimum: 0, maximum: 1440 }),
        outputUnits: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
        energyWh: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 }),
        status: OneOf(['running', 'idle', 'fault', 'offline']),
        geo: Type.Optional(Geo),
      },
      { additionalProperties: false },
    ),
    entities: { equipment: '/equipmentId', user: '/userId' },
  },
  {
    type: 'complaint',
    description: 'A complaint filed with the lender or a regulator.',
    schema: Type.Object(
      {
        complaintId: Id('Complaint id'),
        userId: Type.Optional(Id('Customer id')),
        phone: Phone,
        ip: Type.Optional(Ip),
        channel: OneOf(['hotline', 'app', 'regulator', 'email', 'social']),
        category: Type.String({ minLength: 1, maxLength: 64 }),
        text: Type.String({ maxLength: 4_000 }),
        // complaints come at any stage: the sender says which, so each stage may have its own strategy
        stage: Type.Optional(OneOf(['pre_loan', 'in_loan', 'post_loan'], "Where the customer is in the loan's life: the stage of the complaint's decision point")),
      },
      { additionalProperties: false },
    ),
    entities: { user: '/userId', phone: '/phone', ip: '/ip' },
  },
  {
    type: 'label',
    description: "Ground truth that arrives later: confirmed fraud, legitimate, default, charge-off, credit risk (a reviewer's call), complaint agent, intermediary, scam victim, fake traffic; or, with withdrawn, the withdrawal of such a label.",
    schema: Type.Object(
      {
        subjectEventId: Id('The event the label is about'),
        label: OneOf([...labelKinds]),
        userId: Type.Optional(Id('Customer id')),
        daysPastDue: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
        source: Type.String({ minLength: 1, maxLength: 64, description: 'review desk, collections, chargeback, …' }),
        withdrawn: Type.Optional(
          Type.Boolean({
            description:
              'true: withdraws the label of this kind given earlier about the same subject event (a review overturned it): from this event on it no longer stands in the graph, monitoring and training (docs/graph.md, Labels)',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    entities: { user: '/userId' },
  },
]
