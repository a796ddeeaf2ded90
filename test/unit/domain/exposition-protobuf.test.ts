import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as protobuf from 'protobufjs';
import { decodePushBody } from '../../../lambdas/domain/exposition/decode';
import { isDelimitedProtobuf, parseMediaType } from '../../../lambdas/domain/exposition/media-type';
import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import { decodeDelimitedProtobuf } from '../../../lambdas/domain/exposition/protobuf';
import { METRICS_PROTO_DESCRIPTOR } from '../../../lambdas/domain/exposition/protobuf-descriptor';
import { REFUSAL_MARKER_METRIC, refusalMarker } from '../../../lambdas/domain/push-refusal';
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
