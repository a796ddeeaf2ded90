import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { decodePushBody } from '../../../lambdas/domain/exposition/decode';
import { scanExposition } from '../../../lambdas/domain/exposition/fast-scan';
import {
  isFolded,
  type MetricFamily,
  type ParseResult,
  parseExposition,
  parseFully,
} from '../../../lambdas/domain/exposition/parser';
import { validateConsistency, validatePushBody } from '../../../lambdas/domain/push-validation';
import { pushedFamilies } from '../../../lambdas/domain/pushgateway-semantics';

/**
 * The fast scanner must be invisible: whatever it accepts, the complete parser accepts with the same families, and
 * what it claims about a family (its facts) is true of the samples the complete parser builds.
 */

const EXPORTERS = path.join(__dirname, '..', '..', 'fixtures', 'exposition', 'exporters');

function outline(families: readonly MetricFamily[]) {
  return families.map((f) => ({
    name: f.name,
    type: f.type,
    help: f.help,
    typeDeclared: f.typeDeclared,
    sampleCount: f.sampleCount,
  }));
}

/** Asserts the scanner's families agree with the complete parse of the same text. */
function expectAgreement(text: string, scanned: readonly MetricFamily[]): void {
  const full = parseFully(text);
  if (!full.ok)
    throw new Error(`scanner accepted what the parser refuses: ${full.error.message} in ${JSON.stringify(text)}`);
  expect(outline(scanned)).toEqual(outline(full.families));
  full.families.forEach((family, i) => {
    const fast = scanned[i] as MetricFamily;
    expect(fast.samples).toEqual(family.samples);
    expect(fast.sampleCount).toBe(family.samples.length);
    const facts = fast.facts;
    if (!facts) throw new Error(`family ${fast.name} has no facts`);
    const used = new Set(family.samples.flatMap((s) => s.labels.map(([name]) => name)));
    expect(new Set(facts.labelNames)).toEqual(used);
    for (const sample of family.samples) {
      expect(sample.timestamp).toBeUndefined();
      for (const [name, value] of sample.labels) {
        expect(name.startsWith('__')).toBe(false);
        if (name === 'instance') expect(value).not.toBe('');
      }
    }
    if (facts.seriesDistinct) {
      const keys = family.seriesKeys;
      if (keys === undefined) throw new Error(`${family.name}: distinct claimed, but keys are not canonical`);
      if (!isFolded(family.type)) {
        for (let k = 1; k < keys.length; k++) expect((keys[k - 1] as string) < (keys[k] as string)).toBe(true);
      }
    }
  });
}

function sameResult(a: ParseResult, b: ParseResult): void {
  if (a.ok && b.ok) expect(outline(a.families)).toEqual(outline(b.families));
  else expect(a).toEqual(b);
}

describe('fast scanner on real exporter output', () => {
  const files = fs.readdirSync(EXPORTERS).filter((f) => f.endsWith('.prom'));

  it('has the Prometheus, Pushgateway and node exporter captures', () => {
    expect(files.sort()).toEqual(['node-exporter.prom', 'prometheus.prom', 'pushgateway.prom']);
  });

  it.each(files)('reads %s on the fast path, as the complete parser does', (file) => {
    const text = fs.readFileSync(path.join(EXPORTERS, file), 'utf8');
    const scanned = scanExposition(text);
    if (scanned === undefined) throw new Error(`${file} left the fast path`);
    expectAgreement(text, scanned);
    // Go clients write label names sorted and series in order: every family is proven distinct while scanning.
    expect(scanned.filter((f) => !f.facts?.seriesDistinct).map((f) => f.name)).toEqual([]);
  });
});

describe('fast scanner edge cases', () => {
  const cases: [string, 'fast' | 'complete', string][] = [
    ['HELP and TYPE then samples', 'fast', '# HELP a x\n# TYPE a counter\na 1\n'],
    ['a TYPE without HELP', 'fast', '# TYPE a gauge\na{x="1"} 1\na{x="2"} 2\n'],
    [
      'histogram sample names',
      'fast',
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n',
    ],
    ['summary with quantiles', 'fast', '# TYPE s summary\ns{quantile="0.5"} NaN\ns_sum 0\ns_count 0\n'],
    ['families out of order, merged by name', 'fast', 'b 1\na 1\nb{x="1"} 2\n'],
    ['a HELP without text (no family)', 'complete', '# HELP a\na 1\n'],
    ['blanks around fields', 'complete', 'a { x = "1" } 1\n'],
    ['escapes in a label value', 'complete', 'a{x="q\\"q"} 1\n'],
    ['escapes in HELP', 'complete', '# HELP a x\\ny\na 1\n'],
    ['a timestamp', 'complete', 'a 1 1700000000000\n'],
    ['empty instance', 'complete', 'a{instance=""} 1\n'],
    ['reserved label name', 'complete', 'a{__x="1"} 1\n'],
    ['upper-case TYPE word', 'complete', '# TYPE a COUNTER\na 1\n'],
    ['a float outside the fast forms', 'complete', 'a 1e300\n'],
    ['no final new-line', 'complete', 'a 1'],
    ['a second HELP', 'complete', '# HELP a x\n# HELP a y\n'],
    ['TYPE after samples', 'complete', 'a 1\n# TYPE a gauge\n'],
    ['duplicate label names', 'complete', 'a{x="1",x="2"} 1\n'],
    ['a non-float le', 'complete', '# TYPE h histogram\nh_bucket{le="x"} 1\n'],
  ];

  it.each(cases)('%s: read by the %s parser, with the same result', (_name, path, text) => {
    const scanned = scanExposition(text);
    expect(scanned === undefined ? 'complete' : 'fast').toBe(path);
    if (scanned) expectAgreement(text, scanned);
    sameResult(parseExposition(text), parseFully(text));
  });

  it('keeps thousands of families apart and finds each again, also where names share a table slot', () => {
    // More families than the scanner's name table has slots, written out of order and each name twice.
    const names = Array.from({ length: 4500 }, (_, i) => `family_${(i * 7919) % 4500}_x`);
    const text = [...names, ...names.slice().reverse()].map((name, i) => `${name}{n="${i}"} ${i}\n`).join('');
    const scanned = scanExposition(text);
    if (scanned === undefined) throw new Error('left the fast path');
    expect(scanned.length).toBe(4500);
    expect(scanned.every((f) => f.sampleCount === 2)).toBe(true);
    expectAgreement(text, scanned);
  });

  it('does not claim distinct series it cannot prove, and validation then finds the duplicate', () => {
    const text = 'a{x="2"} 1\na{x="1"} 1\na{x="2"} 3\n';
    const scanned = scanExposition(text);
    expect(scanned?.[0]?.facts?.seriesDistinct).toBe(false);
    const parsed = parseExposition(text);
    if (!parsed.ok) throw new Error('rejected');
    const result = validateConsistency({
      method: 'PUT',
      key: { job: 'j' },
      pushed: pushedFamilies(parsed.families, { job: 'j' }),
      groups: [],
      ownFamilies: new Map(),
    });
    expect(result).toEqual({
      ok: false,
      message:
        'pushed metrics are invalid or inconsistent with existing metrics: collected metric "a" { label:<name:"instance" value:"" > label:<name:"job" value:"j" > label:<name:"x" value:"2" > } was collected before with the same name and label values',
    });
  });
});

/** Exposition-like text: mostly well-formed lines, with every kind of deviation mixed in. */
const metricName = fc.constantFrom(
  'a',
  'b',
  'x',
  'x_sum',
  'x_count',
  'x_bucket',
  'y_total',
  'ns:rate',
  'a_count',
  'b_sum',
);
const labelName = fc.constantFrom('a', 'b', 'c', 'le', 'quantile', 'instance', 'job', '__x', '__name__', 'zz');
const labelValue = fc.constantFrom('', '1', '0.5', '+Inf', 'NaN', 'x y', 'q\\"q', 'b\\\\s', 'n\\nl', 'é', '1e400', '}');
const value = fc.constantFrom(
  '1',
  '-1.5',
  '1e3',
  '1.5e-07',
  '+Inf',
  '-Inf',
  'NaN',
  'nan',
  '1e400',
  'x',
  '.5',
  '5.',
  '0x1',
);
const typeWord = fc.constantFrom(
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'gauge_histogram',
  'COUNTER',
  'bad',
);
const blank = fc.constantFrom(' ', ' ', ' ', '\t', '  ');
const helpText = fc.constantFrom('Help text.', '', ' lead', 'a\\nb', 'c\\\\d', 'bad \\q', 'x "y"');

const pair = fc
  .tuple(labelName, labelValue, fc.constantFrom('', '', '', ' '))
  .map(([n, v, gap]) => `${n}${gap}="${v}"`);
const labels = fc
  .tuple(fc.array(pair, { maxLength: 4 }), fc.constantFrom(',', ',', ',', ', '), fc.constantFrom('', '', '', ','))
  .map(([pairs, separator, trailing]) => `{${pairs.join(separator)}${pairs.length > 0 ? trailing : ''}}`);
const sampleLine = fc
  .tuple(
    metricName,
    fc.option(labels, { freq: 2 }),
    blank,
    value,
    fc.option(fc.constantFrom('1700000000000', 'x'), { freq: 8 }),
  )
  .map(([name, l, gap, v, ts]) => `${name}${l ?? ''}${gap}${v}${ts === null ? '' : ` ${ts}`}`);
const line = fc.oneof(
  { weight: 6, arbitrary: sampleLine },
  { weight: 2, arbitrary: fc.tuple(metricName, helpText).map(([n, t]) => `# HELP ${n} ${t}`) },
  { weight: 2, arbitrary: fc.tuple(metricName, typeWord).map(([n, t]) => `# TYPE ${n} ${t}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('# a comment', '#HELP a x', '#  TYPE a counter', '', ' ', '# HELP a', '# TYPE  a gauge'),
  },
);
const document = fc
  .tuple(fc.array(line, { maxLength: 20 }), fc.constantFrom('\n', '\n', '\n', ''))
  .map(([lines, end]) => (lines.length > 0 ? lines.join('\n') + end : ''));

/** What Go clients write: HELP/TYPE per family, then its samples with sorted, distinct label sets. */
const wellFormed = fc
  .uniqueArray(
    fc.tuple(
      fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/),
      fc.constantFrom('counter', 'gauge', 'untyped', 'histogram', 'summary'),
      fc.uniqueArray(fc.stringMatching(/^[a-z]{1,3}$/), { maxLength: 3 }),
      // Values sort as their written blocks do unless one is a prefix of another and goes on with a char below the
      // closing quote (a space, say): such families are read on the fast path too but checked the complete way.
      fc.uniqueArray(fc.stringMatching(/^[a-zA-Z0-9./_-]{0,6}$/), { minLength: 1, maxLength: 4 }),
    ),
    { selector: ([name]) => name, maxLength: 6 },
  )
  .map((families) =>
    families
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, type, names, values]) => {
        const sortedNames = names.filter((n) => n !== 'le' && n !== 'instance').sort();
        const series = values.sort().map((v) => sortedNames.map((n) => `${n}="${v}"`));
        const lines = [`# HELP ${name} The ${name} metric.`, `# TYPE ${name} ${type}`];
        const block = (pairs: string[]) => (pairs.length > 0 ? `{${pairs.join(',')}}` : '');
        for (const pairs of sortedNames.length > 0 ? series : [[]]) {
          if (type === 'histogram') {
            for (const le of ['0.1', '1', '+Inf']) lines.push(`${name}_bucket${block([...pairs, `le="${le}"`])} 1`);
            lines.push(`${name}_sum${block(pairs)} 1.5`, `${name}_count${block(pairs)} 1`);
          } else if (type === 'summary') {
            lines.push(`${name}${block([...pairs, 'quantile="0.5"'])} NaN`, `${name}_count${block(pairs)} 0`);
          } else {
            lines.push(`${name}${block(pairs)} 42`);
          }
        }
        return `${lines.join('\n')}\n`;
      })
      .join(''),
  );

describe('fast scanner properties', () => {
  it('accepts only what the complete parser accepts, with the same families, samples and true facts', () => {
    let fast = 0;
    fc.assert(
      fc.property(document, (text) => {
        const scanned = scanExposition(text);
        if (scanned !== undefined) {
          fast++;
          expectAgreement(text, scanned);
        }
        sameResult(parseExposition(text), parseFully(text));
      }),
      { numRuns: 3000 },
    );
    // The property is not vacuous: a fair share of the documents took the fast path.
    expect(fast).toBeGreaterThan(200);
  });

  it('decodes a push the same with allSamples (the ingestion, complete parse at once) as with the lazy scan', () => {
    const decode = (text: string, allSamples: boolean) =>
      decodePushBody('text/plain; version=0.0.4', undefined, Buffer.from(text), {
        maxDecodedBytes: 1 << 20,
        allSamples,
      });
    fc.assert(
      fc.property(fc.oneof(document, wellFormed), (text) => {
        const lazy = decode(text, false);
        const complete = decode(text, true);
        if (lazy.ok && complete.ok) expect(outline(complete.families)).toEqual(outline(lazy.families));
        else expect(complete).toEqual(lazy);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads what Go clients write on the fast path, proving every family distinct', () => {
    fc.assert(
      fc.property(wellFormed, (text) => {
        const scanned = scanExposition(text);
        if (scanned === undefined) throw new Error(`left the fast path: ${JSON.stringify(text)}`);
        expectAgreement(text, scanned);
        expect(scanned.every((f) => f.facts?.seriesDistinct)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('validates a push the same whether the families came from the scanner or the complete parser', () => {
    const key = fc.constantFrom<Record<string, string>[]>(
      { job: 'j' },
      { job: 'j', instance: 'i' },
      { job: 'j', a: '1' },
      { job: 'j', le: '1' },
    );
    let compared = 0;
    fc.assert(
      fc.property(document, key, (text, groupingKey) => {
        const scanned = scanExposition(text);
        const full = parseFully(text);
        if (scanned === undefined || !full.ok) return;
        compared++;
        const outcome = (families: readonly MetricFamily[]) => {
          const body = validatePushBody(families);
          const pushed = pushedFamilies(families, groupingKey);
          return {
            body,
            pushed: pushed.map((f) => [f.name, f.type, [...f.seriesIds]]),
            consistency: validateConsistency({
              method: 'PUT',
              key: groupingKey,
              pushed,
              groups: [],
              ownFamilies: new Map([['a', 'gauge' as const]]),
            }),
          };
        };
        expect(outcome(scanned)).toEqual(outcome(full.families));
      }),
      { numRuns: 3000 },
    );
    expect(compared).toBeGreaterThan(150);
  });
});
