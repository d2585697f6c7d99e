/**
 * Writes the benchmark's config folder: the shipped feature catalogue (40
 * features) and the shipped strategies with extra rule sets, ~50 rules in
 * all. The shipped strategies have ~20 rules, fewer than a lender runs in
 * production; strategy time grows with the rule count, so the bench measures
 * a realistic size rather than the example.
 *
 * The extra rules are realistic: eligibility checks (serial, first hit
 * decides), identity linkage, affordability and velocity (parallel), using
 * features, scores and event fields. They are appended to the shipped ones,
 * so the shipped rules still run first and keep their meaning.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'

export const shippedConfigDir = new URL('../config', import.meta.url).pathname

interface Rule {
  id: string
  when: string
  action: 'approve' | 'step_up' | 'review' | 'reject'
  reason: { code: string; zh: string; en: string }
}
interface RuleSet {
  id: string
  mode: 'serial' | 'parallel'
  rules: Rule[]
}
interface Model {
  name: string
  kind: 'logistic'
  intercept: number
  inputs: { feature: string; weight: number; cap?: number }[]
}
interface Extension {
  file: string
  models?: Model[]
  ruleSets: RuleSet[]
}

const rule = (id: string, when: string, action: Rule['action'], code: string, zh: string, en: string): Rule => ({ id, when, action, reason: { code, zh, en } })

const creditApplication: Extension = {
  file: 'credit-application.yaml',
  ruleSets: [
    {
      id: 'eligibility',
      mode: 'serial',
      rules: [
        rule('under-age', 'has(event.data.age) && event.data.age < 18', 'reject', 'AGE_UNDER_18', '申请人未满18周岁', 'Applicant is under 18'),
        rule('unsupported-currency', "event.data.currency != 'CNY'", 'reject', 'UNSUPPORTED_CURRENCY', '不支持的币种', 'Currency not supported'),
        rule('amount-over-cap', 'event.data.amountMinor > 15000000', 'reject', 'AMOUNT_OVER_PRODUCT_CAP', '申请金额超过产品上限', 'Amount exceeds the product cap'),
      ],
    },
    {
      id: 'identity-linkage',
      mode: 'parallel',
      rules: [
        rule('phone-many-ids', 'features.distinctIdNumbersPerPhone30d >= 3', 'review', 'PHONE_MANY_IDENTITIES', '同一手机号30天内关联多个身份证', 'Phone linked to several id numbers in 30 days'),
        rule('address-shared', 'features.distinctUsersPerAddress30d >= 5', 'review', 'ADDRESS_SHARED', '同一地址30天内多人申请', 'Several applicants at one address in 30 days'),
        rule('card-shared', 'has(event.data.bankCard) && features.distinctUsersPerBankCard30d >= 2', 'review', 'APPLICATION_CARD_SHARED', '银行卡被多个客户使用', 'Bank card used by several customers'),
        rule('id-repeat-applications', 'features.applicationsPerIdNumber30d >= 4', 'review', 'ID_REPEAT_APPLICATIONS', '同一身份证30天内多次申请', 'Many applications with one id number in 30 days'),
        rule('device-many-users', 'features.distinctUsersPerDevice24h >= 3', 'review', 'DEVICE_MANY_USERS_24H', '同一设备24小时内多个账户', 'Several accounts on one device in 24 hours'),
        rule('ip-many-users', 'features.distinctUsersPerIp24h >= 10 && features.applicationsPerIp24h >= 5', 'review', 'IP_MANY_APPLICANTS', '同一IP 24小时内多人申请', 'Many applicants from one IP in 24 hours'),
        rule('many-ips', 'features.distinctIpsPerUser24h >= 4', 'step_up', 'USER_MANY_IPS', '24小时内IP频繁变化', 'IP address changes often within 24 hours'),
      ],
    },
    {
      id: 'affordability',
      mode: 'parallel',
      rules: [
        rule('no-income-large', '!has(event.data.declaredIncomeMinor) && event.data.amountMinor >= 5000000', 'review', 'NO_INCOME_LARGE_AMOUNT', '未申报收入且金额较大', 'Large amount without declared income'),
        rule(
          'repayment-burden',
          'has(event.data.declaredIncomeMinor) && event.data.amountMinor / event.data.termMonths * 2 > event.data.declaredIncomeMinor',
          'review', 'REPAYMENT_BURDEN', '月供超过月收入的一半', 'Monthly repayment above half the declared income',
        ),
        rule('recent-delinquency', 'features.maxDaysPastDuePerUser30d >= 30', 'reject', 'RECENT_DELINQUENCY', '近30天有严重逾期', 'Seriously past due in the last 30 days'),
        rule('loan-stacking', 'features.requestedAmountSumMinorPerUser30d + event.data.amountMinor > 30000000', 'review', 'LOAN_STACKING', '30天内申请总额过高（疑似多头借贷）', 'Applications add up to a large amount in 30 days (stacking)'),
        rule('no-contacts', '!has(event.data.contacts) || size(event.data.contacts) == 0', 'step_up', 'NO_CONTACTS', '未填写紧急联系人', 'No emergency contact given'),
      ],
    },
  ],
}

const login: Extension = {
  file: 'login.yaml',
  models: [
    {
      name: 'takeover',
      kind: 'logistic',
      intercept: -4.0,
      inputs: [
        { feature: 'distinctDevicesPerUser7d', weight: 0.6, cap: 6 },
        { feature: 'distinctIpsPerUser24h', weight: 0.4, cap: 8 },
        { feature: 'loginsPerUser1h', weight: 0.15, cap: 20 },
        { feature: 'distinctUsersPerDevice24h', weight: 0.5, cap: 6 },
      ],
    },
  ],
  ruleSets: [
    {
      id: 'takeover-signals',
      mode: 'parallel',
      rules: [
        rule('failed-login-burst', '!event.data.success && features.loginsPerUser1h >= 5', 'step_up', 'FAILED_LOGIN_BURST', '1小时内多次登录失败', 'Many failed logins within an hour'),
        rule('ip-login-burst', 'features.loginsPerIp10m >= 8', 'step_up', 'IP_LOGIN_BURST', '同一IP 10分钟内登录较多', 'Many logins from one IP in 10 minutes'),
        rule('device-login-burst', 'features.loginsPerDevice10m >= 6', 'step_up', 'DEVICE_LOGIN_BURST', '同一设备10分钟内登录较多', 'Many logins from one device in 10 minutes'),
        rule('user-many-ips', 'features.distinctIpsPerUser24h >= 5', 'step_up', 'LOGIN_MANY_IPS', '账户24小时内IP频繁变化', 'Account seen from many IPs in 24 hours'),
        rule('takeover-score', 'scores.takeover >= 0.6', 'review', 'TAKEOVER_SCORE_HIGH', '账户盗用风险评分偏高', 'Account takeover score is high'),
        rule(
          'password-new-device',
          "has(event.data.method) && event.data.method == 'password' && features.distinctDevicesPerUser30d >= 4",
          'step_up', 'PASSWORD_ON_NEW_DEVICE', '多设备账户使用密码登录', 'Password login on an account used from many devices',
        ),
        rule('ip-shared-many-users', 'features.distinctUsersPerIp24h >= 15', 'review', 'IP_MANY_ACCOUNTS', '同一IP 24小时内登录多个账户', 'One IP logged into many accounts in 24 hours'),
      ],
    },
  ],
}

const loanDrawdown: Extension = {
  file: 'loan-drawdown.yaml',
  ruleSets: [
    {
      id: 'limits',
      mode: 'serial',
      rules: [
        rule('drawdown-currency', "event.data.currency != 'CNY'", 'reject', 'DRAWDOWN_CURRENCY', '不支持的币种', 'Currency not supported'),
        rule('drawdown-over-cap', 'event.data.amountMinor > 20000000', 'reject', 'DRAWDOWN_OVER_CAP', '单笔借款超过上限', 'Drawdown exceeds the single-drawdown cap'),
      ],
    },
    {
      id: 'velocity',
      mode: 'parallel',
      rules: [
        rule('drawdown-count-24h', 'features.drawdownsPerUser24h >= 3', 'step_up', 'DRAWDOWN_COUNT_24H', '24小时内借款次数较多', 'Several drawdowns within 24 hours'),
        rule('drawdown-sum-7d', 'features.drawdownAmountSumMinorPerUser7d + event.data.amountMinor > 15000000', 'review', 'DRAWDOWN_SUM_7D', '7天内借款总额过高', 'Drawdowns add up to a large amount in 7 days'),
        rule('card-burst', 'features.drawdownsPerBankCard24h >= 3', 'review', 'CARD_DRAWDOWN_BURST', '同一收款卡24小时内多次收款', 'Several drawdowns to one card within 24 hours'),
        rule('many-cards', 'features.distinctBankCardsPerUser30d >= 3', 'review', 'MANY_PAYEE_CARDS', '30天内使用多张收款卡', 'Several destination cards in 30 days'),
        rule(
          'new-payee-unusual-amount',
          'has(event.data.newPayee) && event.data.newPayee && event.data.amountMinor >= 500000 && event.data.amountMinor > features.drawdownAmountMaxMinorPerUser30d * 2',
          'review', 'NEW_PAYEE_UNUSUAL_AMOUNT', '新收款卡且金额远超以往', 'New payee and an amount well above earlier drawdowns',
        ),
        rule('delinquent-drawdown', 'features.maxDaysPastDuePerUser30d > 0', 'review', 'DRAWDOWN_WHILE_DELINQUENT', '存在逾期时借款', 'Drawdown while past due'),
      ],
    },
  ],
}

export const extensions = [creditApplication, login, loanDrawdown]

/**
 * Writes `features.yaml` and `strategies/*.yaml` into `dir`. Strategy ids get
 * a `-bench` suffix: a strategy version is immutable, so the extended
 * documents must not claim the shipped id and version. Shipped strategies the
 * bench does not extend are copied as they are.
 */
export function writeBenchConfig(dir: string): void {
  mkdirSync(join(dir, 'strategies'), { recursive: true })
  copyFileSync(join(shippedConfigDir, 'features.yaml'), join(dir, 'features.yaml'))
  for (const extension of extensions) {
    const shipped = parse(readFileSync(join(shippedConfigDir, 'strategies', extension.file), 'utf8')) as {
      id: string
      models?: Model[]
      ruleSets: RuleSet[]
    }
    const document = {
      ...shipped,
      id: `${shipped.id}-bench`,
      description: `${extension.file} as shipped, plus the benchmark's extra rule sets`,
      models: [...(shipped.models ?? []), ...(extension.models ?? [])],
      ruleSets: [...shipped.ruleSets, ...extension.ruleSets],
    }
    writeFileSync(join(dir, 'strategies', extension.file), stringify(document))
  }
  const extended = new Set(extensions.map((e) => e.file))
  for (const name of readdirSync(join(shippedConfigDir, 'strategies'))) {
    if (!extended.has(name)) copyFileSync(join(shippedConfigDir, 'strategies', name), join(dir, 'strategies', name))
  }
}
