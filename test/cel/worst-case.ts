/**
 * Expressions written to spend as much as the cost budget lets them, over
 * data far larger than an event can be (the body limit is 64 KiB by default).
 * `cel-safety.test.ts` checks that each stops with a typed error;
 * `node --expose-gc --import tsx test/cel/measure-worst-case.ts` measures time and memory
 * (docs/reference/cel-safety.md quotes the figures).
 */
import { createCelEnvironment } from '../../src/cel/cel-environment.ts'

export const hostileData = () => {
  const long = 'a'.repeat(1 << 20)
  const numbers = Array.from({ length: 100_000 }, (_, i) => BigInt(i))
  const nested = Array.from({ length: 2_000 }, (_, i) => ({ id: BigInt(i), tags: ['x', 'y', 'z'], score: i / 7 }))
  return {
    event: {
      id: 'e1',
      type: 't',
      occurredAt: '2026-01-01T00:00:00Z',
      data: {
        text: long,
        commas: 'ab,'.repeat(350_000),
        numbers,
        strings: numbers.map((n) => `s${n}`),
        nested,
        nestedCopy: structuredClone(nested),
        map: Object.fromEntries(numbers.slice(0, 50_000).map((n) => [`k${n}`, n])),
        zone: 'Asia/Shanghai',
      },
    },
    features: { count: 3n },
    scores: { fraud: 0.5 },
  }
}

/** name → expression; each would run for seconds to hours, or exhaust memory, without the budget. */
export const worstCases: Record<string, string> = {
  'nested loops over a long list': 'event.data.numbers.all(x, event.data.numbers.exists(y, y == x + 1))',
  'string scanning in a loop': "event.data.numbers.exists(x, event.data.text.contains('b'))",
  'regular expression (a*a*b, 25 s on JavaScript RegExp at 4 KiB)': "event.data.numbers.exists(x, event.data.text.matches('a*a*b'))",
  'deep equality in a loop': 'event.data.numbers.exists(x, event.data.nested != event.data.nestedCopy)',
  'list membership in a loop': 'event.data.numbers.exists(x, -1 in event.data.numbers)',
  'time zone conversions in a loop': "event.data.numbers.exists(x, timestamp(int(x)).getHours(event.data.zone) == 99)",
  'doubling strings': 'cel.bind(a, event.data.text + event.data.text, cel.bind(b, a + a, cel.bind(c, b + b, cel.bind(d, c + c, size(d + d) == 0))))',
  'strings built in a loop': "event.data.numbers.map(x, event.data.text + string(x)).size() == 0",
  'lists copied in a loop': 'event.data.numbers.map(x, event.data.numbers + [x]).size() == 0',
  'splitting in a loop': "event.data.numbers.map(x, event.data.commas.split(',')).size() == 0",
  'joining with a long separator': 'event.data.strings.join(event.data.text) == ""',
  'map keys listed in a loop': 'event.data.numbers.exists(x, size(event.data.map) == 0)',
  'filter and map chains': 'event.data.numbers.filter(x, x % 2 == 0).map(x, x * 2).filter(x, x % 3 == 0).map(x, [x, x, x]).size() == 0',
  'string conversions in a loop': "event.data.numbers.map(x, string(x) + string(double(x)) + string(x * 2)).join(',') == ''",
}

export function strategyEnvironments() {
  const checking = createCelEnvironment()
  checking.registerVariable({
    name: 'event',
    schema: {
      id: 'string',
      type: 'string',
      occurredAt: 'string',
      data: { text: 'string', commas: 'string', numbers: 'list<int>', strings: 'list<string>', nested: 'list<map>', nestedCopy: 'list<map>', map: 'map', zone: 'string' },
    } as unknown as Record<string, never>,
  })
  checking.registerVariable({ name: 'features', schema: { count: 'int' } as unknown as Record<string, never> })
  checking.registerVariable({ name: 'scores', schema: { fraud: 'double' } as unknown as Record<string, never> })
  const runtime = createCelEnvironment().registerVariable('event', 'map').registerVariable('features', 'map').registerVariable('scores', 'map')
  return { checking, runtime }
}
