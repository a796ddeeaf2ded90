import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as fc from 'fast-check';
import * as protobuf from 'protobufjs';
import { decodePushBody } from '../../../lambdas/domain/exposition/decode';
import { isDelimitedProtobuf, parseMediaType } from '../../../lambdas/domain/exposition/media-type';
import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import { decodeDelimitedProtobuf } from '../../../lambdas/domain/exposition/protobuf';
import { METRICS_PROTO_DESCRIPTOR } from '../../../lambdas/domain/exposition/protobuf-descriptor';
import { REFUSAL_MARKER_METRIC, refusalMarker } from '../../../lambdas/domain/push-refusal';
import { validateConsistency, validatePushBody } from '../../../lambdas/domain/push-validation';
import { protoTextString } from '../../../lambdas/domain/pushgateway-messages';
import { pushedFamilies } from '../../../lambdas/domain/pushgateway-semantics';
import { PROJECT_ROOT } from '../../../lib/paths';
import { delimited } from '../../support/push-corpus';

const PROTO = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';
const limits = { maxDecodedBytes: 1 << 20 };
const label = (name: string, value: string | Buffer) => ({
  name,
  value: typeof value === 'string' ? Buffer.from(value) : value,
});

describe('metrics.proto descriptor', () => {
  it('is what protobufjs makes of the committed metrics.proto', () => {
    const root = new protobuf.Root();
    root.loadSync(path.join(PROJECT_ROOT, 'lambdas/domain/exposition/metrics.proto'), { keepCase: true });
    expect(METRICS_PROTO_DESCRIPTOR).toEqual(root.toJSON());
  });
});

describe('Content-Type as the Pushgateway reads it (Go mime.ParseMediaType)', () => {
  it.each([
    [PROTO, true],
    ['APPLICATION/VND.GOOGLE.PROTOBUF; PROTO=io.prometheus.client.MetricFamily; ENCODING=delimited', true],
    ['application/vnd.google.protobuf;proto="io.prometheus.client.MetricFamily";encoding="delimited";', true],
    ['application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily', false],
    ['application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=DELIMITED', false],
    ['application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=text', false],
    [`${PROTO}; encoding=delimited`, false], // duplicate parameter: Go errors, so text
    ['application/vnd.google.protobuf proto=io.prometheus.client.MetricFamily; encoding=delimited', false],
    ['text/plain; version=0.0.4', false],
    [undefined, false],
  ])('%s → protobuf %s', (contentType, expected) => {
    expect(isDelimitedProtobuf(contentType)).toBe(expected);
  });

  it('lower-cases type and parameter names, keeps values, fails where Go fails', () => {
    expect(parseMediaType('Text/Plain; Version="0.0.4"; charset=utf-8')).toEqual({
      type: 'text/plain',
      params: new Map([
        ['version', '0.0.4'],
        ['charset', 'utf-8'],
      ]),
    });
    expect(parseMediaType('')).toBeUndefined();
    expect(parseMediaType('text/')).toBeUndefined();
    expect(parseMediaType('text/plain; version')).toBeUndefined();
  });
});

describe('decodePushBody', () => {
  const families = delimited(
    {
      name: 'batch_records_total',
      help: 'Records.',
      type: 0,
      metric: [{ label: [label('stage', 'load')], counter: { value: 42 } }],
    },
    {
      name: 'batch_seconds',
      type: 4,
      metric: [
        {
          histogram: {
            sample_count: 2,
            sample_sum: 3.5,
            bucket: [
              { cumulative_count: 1, upper_bound: 1 },
              { cumulative_count: 2, upper_bound: 10 },
            ],
          },
        },
      ],
    },
    {
      name: 'batch_items',
      type: 2,
      metric: [{ summary: { sample_count: 1, sample_sum: 1, quantile: [{ quantile: 0.5, value: 1 }] } }],
    },
  );
  const text =
    '# HELP batch_records_total Records.\n# TYPE batch_records_total counter\nbatch_records_total{stage="load"} 42\n' +
    '# TYPE batch_seconds histogram\nbatch_seconds_bucket{le="1"} 1\nbatch_seconds_bucket{le="10"} 2\nbatch_seconds_sum 3.5\nbatch_seconds_count 2\n' +
    '# TYPE batch_items summary\nbatch_items{quantile="0.5"} 1\nbatch_items_sum 1\nbatch_items_count 1\n';

  it('gives protobuf and text renderings of the same families the same state to validate', () => {
    const fromProto = decodePushBody(PROTO, undefined, families, limits);
    const fromText = decodePushBody('text/plain; version=0.0.4', undefined, Buffer.from(text), limits);
    if (!fromProto.ok || !fromText.ok) throw new Error('expected both to decode');
    expect(fromProto.format).toBe('protobuf');
    expect(fromText.format).toBe('text');
    const state = (f: typeof fromText.families) =>
      pushedFamilies(f, { job: 'j' }).map((x) => [x.name, x.type, x.help, [...x.seriesIds]]);
    expect(state(fromProto.families)).toEqual(state(fromText.families));
    expect(fromProto.families[1]?.samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['batch_seconds_bucket', [['le', '1']], '1'],
      ['batch_seconds_bucket', [['le', '10']], '2'],
      ['batch_seconds_sum', [], '3.5'],
      ['batch_seconds_count', [], '2'],
    ]);
  });

  it('inflates gzip before choosing the format', () => {
    const decoded = decodePushBody(PROTO, 'gzip', zlib.gzipSync(families), limits);
    expect(decoded.ok && decoded.families.map((f) => f.name)).toEqual([
      'batch_records_total',
      'batch_seconds',
      'batch_items',
    ]);
  });

  it('keeps the last family of a name, as the Pushgateway does', () => {
    const twice = Buffer.concat([
      delimited({ name: 'x', type: 1, metric: [{ gauge: { value: 1 } }] }),
      delimited({ name: 'x', type: 0, metric: [{ counter: { value: 2 } }] }),
    ]);
    const decoded = decodeDelimitedProtobuf(twice);
    expect(decoded.ok && decoded.families.map((f) => [f.name, f.type, f.samples[0]?.value])).toEqual([
      ['x', 'counter', '2'],
    ]);
  });

  it('says at which stage the Pushgateway refuses a body', () => {
    const refusal = (contentType: string | undefined, encoding: string | undefined, body: Buffer) => {
      const decoded = decodePushBody(contentType, encoding, body, limits);
      return decoded.ok ? 'ok' : [decoded.status, decoded.stage, decoded.message];
    };
    expect(refusal(PROTO, undefined, families.subarray(0, 10))).toEqual([400, 'parse', 'unexpected EOF']);
    expect(refusal(PROTO, undefined, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 1]))).toEqual([
      400,
      'parse',
      'invalid varint32 encountered',
    ]);
    expect(refusal(PROTO, undefined, Buffer.concat([families, Buffer.from([0x80])]))).toBe('ok');
    expect(refusal(PROTO, undefined, delimited({ name: 'x', type: 1, metric: [{ counter: { value: 1 } }] }))).toEqual([
      400,
      'storage',
      'pushed metrics are invalid or inconsistent with existing metrics: collected metric "x" { } is not a GAUGE',
    ]);
    expect(
      refusal(
        PROTO,
        undefined,
        delimited({ name: 'x', type: 1, metric: [{ label: [label('a-b', 'ü')], gauge: { value: 1 } }] }),
      ),
    ).toEqual([
      400,
      'storage',
      'pushed metrics are invalid or inconsistent with existing metrics: collected metric "x" { label:<name:"a-b" value:"\\303\\274" > } has a label with an invalid name: a-b',
    ]);
    // The Pushgateway's text for this body, but for the grouping labels and value it adds (checked against 1.5.1):
    // ... { label:<name:"a" value:"\377\376" > label:<name:"instance" value:"" > ... } has a label named "a" ...
    expect(
      refusal(
        PROTO,
        undefined,
        delimited({
          name: 'x',
          type: 1,
          metric: [{ label: [label('a', Buffer.from([0xff, 0xfe]))], gauge: { value: 1 } }],
        }),
      ),
    ).toEqual([
      400,
      'storage',
      'pushed metrics are invalid or inconsistent with existing metrics: collected metric "x" { label:<name:"a" value:"\\377\\376" > } has a label named "a" whose value is not utf8: "\\xff\\xfe"',
    ]);
    expect(refusal(undefined, 'gzip', Buffer.from('x 1\n'))).toEqual([
      400,
      'encoding',
      'invalid gzip body: incorrect header check',
    ]);
    // Malformed UTF-8 is the replicas' to judge, as bytes (a HELP text keeps it; a label value is their parse error).
    expect(
      refusal(undefined, undefined, Buffer.from([...Buffer.from('# HELP u x'), 0xff, ...Buffer.from('\nu 1\n')])),
    ).toBe('ok');
    expect(refusal(undefined, 'br', Buffer.from('x 1\n'))).toEqual([
      400,
      'encoding',
      'unsupported content encoding "br"',
    ]);
    expect(refusal(undefined, undefined, Buffer.from('x 1'))).toEqual([
      400,
      'parse',
      'text format parsing error in line 1, column 4: unexpected end of input stream',
    ]);
  });
});

describe('refusal markers', () => {
  it('are pushes every Pushgateway refuses at the same stage, none for encoding errors or DELETE', () => {
    const parse = refusalMarker('parse', 'PUT');
    expect(parse?.method).toBe('PUT');
    const parsed = parseExposition(parse?.body ?? '');
    expect(parsed.ok).toBe(false);
    const storage = refusalMarker('storage', 'POST');
    expect(storage?.method).toBe('POST');
    // Parses cleanly, and holds one series twice: the consistency check refuses it whatever the replica holds.
    const stored = parseExposition(storage?.body ?? '');
    expect(stored.ok && stored.families.map((f) => [f.name, f.sampleCount])).toEqual([[REFUSAL_MARKER_METRIC, 2]]);
    expect(refusalMarker('encoding', 'PUT')).toBeUndefined();
    expect(refusalMarker('storage', 'DELETE')).toBeUndefined();
  });
});

describe('protobuf text strings in messages (golang/protobuf 1.3 writeString)', () => {
  it('escapes like Go: C escapes, non-ASCII bytes in octal', () => {
    expect(protoTextString('a"b\\c\nd\te')).toBe('"a\\"b\\\\c\\nd\\te"');
    expect(protoTextString('Zürich')).toBe('"Z\\303\\274rich"');
  });
});

describe('one validation path for both formats (property)', () => {
  /** A family as a client would hold it: type, and series with distinct-or-not label sets and values. */
  const familyArb = fc.record({
    name: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
    type: fc.constantFrom(0, 1, 3, 4, 2),
    series: fc.array(
      fc.record({
        labels: fc.uniqueArray(
          fc.tuple(fc.constantFrom('a', 'b', 'instance', 'job', 'zone'), fc.stringMatching(/^[a-zA-Z0-9 é/._-]{0,6}$/)),
          { selector: ([n]) => n, maxLength: 3 },
        ),
        value: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  });
  const TEXT_TYPES = ['counter', 'gauge', 'summary', 'untyped', 'histogram'];
  const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const labelText = (pairs: readonly (readonly [string, string])[]) =>
    pairs.length === 0 ? '' : `{${pairs.map(([n, v]) => `${n}="${escapeValue(v)}"`).join(',')}}`;

  /** The text format client libraries write for the family (one TYPE, samples in order). */
  function asText(family: { name: string; type: number; series: { labels: [string, string][]; value: number }[] }) {
    let out = `# TYPE ${family.name} ${TEXT_TYPES[family.type]}\n`;
    for (const { labels, value } of family.series) {
      const v = Math.abs(value);
      if (family.type === 4) {
        out += `${family.name}_bucket${labelText([...labels, ['le', '1']])} 1\n`;
        out += `${family.name}_bucket${labelText([...labels, ['le', '+Inf']])} 2\n`;
        out += `${family.name}_sum${labelText(labels)} ${v}\n${family.name}_count${labelText(labels)} 2\n`;
      } else if (family.type === 2) {
        out += `${family.name}${labelText([...labels, ['quantile', '0.5']])} ${v}\n`;
        out += `${family.name}_sum${labelText(labels)} ${v}\n${family.name}_count${labelText(labels)} 1\n`;
      } else out += `${family.name}${labelText(labels)} ${family.type === 0 ? v : value}\n`;
    }
    return out;
  }

  function asProtobuf(family: { name: string; type: number; series: { labels: [string, string][]; value: number }[] }) {
    const field = ['counter', 'gauge', 'summary', 'untyped', 'histogram'][family.type] as string;
    return delimited({
      name: family.name,
      type: family.type,
      metric: family.series.map(({ labels, value }) => {
        const v = Math.abs(value);
        const content =
          family.type === 4
            ? {
                sample_count: 2,
                sample_sum: v,
                bucket: [
                  { cumulative_count: 1, upper_bound: 1 },
                  { cumulative_count: 2, upper_bound: Number.POSITIVE_INFINITY },
                ],
              }
            : family.type === 2
              ? { sample_count: 1, sample_sum: v, quantile: [{ quantile: 0.5, value: v }] }
              : { value: family.type === 0 ? v : value };
        return { label: labels.map(([n, val]) => label(n, val)), [field]: content };
      }),
    });
  }

  it('gives the same validation outcome and state for a family pushed as text or as protobuf', () => {
    const own = new Map<string, 'gauge'>([['go_goroutines', 'gauge']]);
    const stored = [{ key: { job: 'other' }, families: [{ name: 'held', type: 'gauge' as const, seriesIds: [] }] }];
    fc.assert(
      fc.property(
        familyArb,
        fc.constantFrom<Record<string, string>>({ job: 'j' }, { job: 'j', zone: 'z1' }),
        (family, key) => {
          const outcome = (decoded: ReturnType<typeof decodePushBody>) => {
            if (!decoded.ok) return { refused: decoded.stage };
            const body = validatePushBody(decoded.families);
            if (!body.ok) return { refused: 'body' };
            const pushed = pushedFamilies(decoded.families, key);
            const consistency = validateConsistency({ method: 'PUT', key, pushed, groups: stored, ownFamilies: own });
            return {
              consistent: consistency.ok,
              state: pushed.map((f) => [f.name, f.type, [...f.seriesIds].sort()]),
            };
          };
          const text = outcome(decodePushBody(undefined, undefined, Buffer.from(asText(family)), limits));
          const proto = outcome(decodePushBody(PROTO, undefined, asProtobuf(family), limits));
          expect(proto).toEqual(text);
        },
      ),
      { numRuns: 300 },
    );
  });
});
