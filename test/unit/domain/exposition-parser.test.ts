import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { formatParseError, isGoFloat, parseExposition } from '../../../lambdas/domain/exposition/parser';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'exposition');
const files = (kind: 'valid' | 'invalid') =>
  fs
    .readdirSync(path.join(FIXTURES, kind))
    .filter((f) => f.endsWith('.prom'))
    .sort();

describe('exposition parser fixtures', () => {
  it.each(files('valid'))('accepts valid/%s', (file) => {
    const result = parseExposition(fs.readFileSync(path.join(FIXTURES, 'valid', file), 'utf8'));
    expect(result.ok ? 'ok' : formatParseError(result.error)).toBe('ok');
  });

  it.each(files('invalid'))('rejects invalid/%s with the error in its .error file', (file) => {
    const expected = fs.readFileSync(path.join(FIXTURES, 'invalid', file.replace(/\.prom$/, '.error')), 'utf8').trim();
    const result = parseExposition(fs.readFileSync(path.join(FIXTURES, 'invalid', file), 'utf8'));
    expect(result.ok ? 'accepted' : formatParseError(result.error)).toBe(expected);
  });

  it('has a .error file for every invalid fixture and no orphan', () => {
    const all = fs.readdirSync(path.join(FIXTURES, 'invalid'));
    const proms = all.filter((f) => f.endsWith('.prom')).map((f) => f.slice(0, -5));
    const errors = all.filter((f) => f.endsWith('.error')).map((f) => f.slice(0, -6));
    expect(errors.sort()).toEqual(proms.sort());
  });
});

describe('parseExposition', () => {
  it('builds families with help, type, labels in order and raw values', () => {
    const result = parseExposition(
      '# HELP rpc_seconds RPC latency.\n# TYPE rpc_seconds summary\nrpc_seconds{service="a",quantile="0.5"} 0.25\nrpc_seconds_sum{service="a"} 12\nrpc_seconds_count{service="a"} 40\nup 1\n',
    );
    if (!result.ok) throw new Error(formatParseError(result.error));
    expect(result.families.map((f) => [f.name, f.type, f.help, f.samples.length])).toEqual([
      ['rpc_seconds', 'summary', 'RPC latency.', 3],
      ['up', 'untyped', undefined, 1],
    ]);
    expect(result.families[0]?.samples[0]).toEqual({
      name: 'rpc_seconds',
      labels: [
        ['service', 'a'],
        ['quantile', '0.5'],
      ],
      value: '0.25',
      line: 3,
    });
  });

  it('keeps `_sum`/`_count` as their own families when the base is not a summary or histogram', () => {
    const result = parseExposition('# TYPE c counter\nc_count 1\nc_sum 2\n');
    if (!result.ok) throw new Error('rejected');
    expect(result.families.map((f) => f.name)).toEqual(['c', 'c_count', 'c_sum']);
  });

  it('unescapes label values and HELP text', () => {
    const result = parseExposition('# HELP x a\\\\b\\nc\nx{p="C:\\\\dir",q="say \\"hi\\"",r="1\\n2"} 1\n');
    if (!result.ok) throw new Error('rejected');
    expect(result.families[0]?.help).toBe('a\\b\nc');
    expect(result.families[0]?.samples[0]?.labels).toEqual([
      ['p', 'C:\\dir'],
      ['q', 'say "hi"'],
      ['r', '1\n2'],
    ]);
  });

  it('keeps the timestamp so the push can be refused', () => {
    const result = parseExposition('x 1 -1700000000000\n');
    expect(result.ok && result.families[0]?.samples[0]?.timestamp).toBe('-1700000000000');
  });

  it('accepts the floats Go parses and refuses the others', () => {
    for (const ok of ['1', '-1.5', '+.5', '5.', '1e3', '1E-3', 'Inf', '+inf', '-Infinity', 'NaN', 'nan']) {
      expect([ok, isGoFloat(ok)]).toEqual([ok, true]);
    }
    for (const bad of ['', '0x10', '1_000', '1e', 'e3', '--1', '+NaN', 'Infinit', '1e400', '1.2.3', ' 1']) {
      expect([bad, isGoFloat(bad)]).toEqual([bad, false]);
    }
  });
});

describe('parser properties', () => {
  it('never throws on arbitrary strings, and every error has a positive line and column', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const result = parseExposition(text);
        if (!result.ok) {
          expect(result.error.line).toBeGreaterThanOrEqual(1);
          expect(result.error.column).toBeGreaterThanOrEqual(1);
          expect(result.error.message).not.toMatch(/internal parser error/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on arbitrary bytes decoded leniently, nor on exposition-like text', () => {
    const piece = fc.constantFrom(
      '# HELP ',
      '# TYPE ',
      'x',
      '_sum',
      '_bucket',
      '{',
      '}',
      '="',
      '"',
      ',',
      ' ',
      '\t',
      '\\',
      '\n',
      '1',
      'le',
      'counter',
      'histogram',
      'NaN',
      'e',
      '.',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
          fc.array(piece, { maxLength: 60 }).map((p) => p.join('')),
        ),
        (text) => {
          const result = parseExposition(text);
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(result.error.message).not.toMatch(/internal parser error/);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('reads back what a simple writer writes (name, labels, value)', () => {
    const name = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,10}$/);
    const labelName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,8}$/);
    const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    fc.assert(
      fc.property(
        name,
        fc.uniqueArray(fc.tuple(labelName, fc.string()), { selector: ([n]) => n, maxLength: 4 }),
        fc.double(),
        (metric, labels, value) => {
          const text = `${metric}{${labels.map(([n, v]) => `${n}="${escapeValue(v)}"`).join(',')}} ${String(value).replace('Infinity', 'Inf')}\n`;
          const result = parseExposition(text);
          if (!result.ok) throw new Error(`${formatParseError(result.error)} in ${JSON.stringify(text)}`);
          const sample = result.families[0]?.samples[0];
          expect(sample?.name).toBe(metric);
          expect(sample?.labels).toEqual(labels);
          expect(Number(sample?.value.replace('Inf', 'Infinity'))).toEqual(value);
        },
      ),
    );
  });

  it('agrees with parse-prometheus-text-format on which of its well-formed inputs are valid', () => {
    const text = '# HELP a b\n# TYPE a counter\na{x="1"} 1\na{x="2"} 2\n# TYPE g gauge\ng 3\n';
    const peer = parsePrometheusTextFormat(text);
    const ours = parseExposition(text);
    if (!ours.ok) throw new Error('rejected');
    expect(ours.families.map((f) => [f.name, f.samples.length])).toEqual(peer.map((f) => [f.name, f.metrics.length]));
  });
});
