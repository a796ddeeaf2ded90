import * as zlib from 'node:zlib';
import * as fc from 'fast-check';
import { decodePushBody } from '../../../lambdas/domain/exposition/decode';
import { protobufSamplesAtLeast, textSampleLines } from '../../../lambdas/domain/exposition/sample-bound';
import { delimited, formatCorpus, protobufCorpus } from '../../support/push-corpus';

const PROTO = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';
const MAX = 10_000;
const sampleCount = (families: readonly { sampleCount: number }[]) => families.reduce((n, f) => n + f.sampleCount, 0);
const bytes = (body: string | Buffer | undefined) =>
  typeof body === 'string' ? Buffer.from(body) : (body ?? Buffer.alloc(0));

describe('counting samples before parsing (sample-bound.ts): never more than the parser builds', () => {
  it('text: exactly the samples of every body of the corpus that parses; protobuf: at most them', () => {
    let checked = 0;
    for (const push of [...formatCorpus(), ...protobufCorpus()]) {
      if (push.method === 'DELETE' || push.headers?.['content-encoding']) continue;
      const body = bytes(push.body);
      const contentType = push.headers?.['content-type'];
      const decoded = decodePushBody(contentType, undefined, body, { maxDecodedBytes: 1 << 24, allSamples: true });
      if (!decoded.ok) continue;
      checked++;
      const samples = sampleCount(decoded.families);
      if (decoded.format === 'text') expect([push.name, textSampleLines(body)]).toEqual([push.name, samples]);
      else expect(protobufSamplesAtLeast(body)).toBeLessThanOrEqual(samples);
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('protobuf (property): at most the samples of the decoded families, whatever the types and buckets', () => {
    const metric = fc.record({
      label: fc.array(fc.record({ name: fc.constantFrom('a', 'b'), value: fc.constant(Buffer.from('v')) }), {
        maxLength: 2,
      }),
      bucket: fc.array(fc.record({ cumulative_count: fc.nat(5), upper_bound: fc.double({ noNaN: true }) }), {
        maxLength: 4,
      }),
      quantile: fc.array(fc.record({ quantile: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.nat(9) }), {
        maxLength: 3,
      }),
    });
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2, 3, 4), fc.array(metric, { minLength: 1, maxLength: 5 }), (type, metrics) => {
        const body = delimited({
          name: 'pb_m',
          type,
          metric: metrics.map((m, i) => ({
            label: [{ name: 'i', value: Buffer.from(String(i)) }],
            ...(type === 4
              ? { histogram: { sample_count: 1, sample_sum: 1, bucket: m.bucket } }
              : type === 2
                ? { summary: { sample_count: 1, sample_sum: 1, quantile: m.quantile } }
                : type === 0
                  ? { counter: { value: 1 } }
                  : type === 1
                    ? { gauge: { value: 1 } }
                    : { untyped: { value: 1 } }),
          })),
        });
        const decoded = decodePushBody(PROTO, undefined, body, { maxDecodedBytes: 1 << 20, allSamples: true });
        if (!decoded.ok) return;
        expect(protobufSamplesAtLeast(body)).toBeLessThanOrEqual(sampleCount(decoded.families));
        expect(protobufSamplesAtLeast(body)).toBeGreaterThanOrEqual(metrics.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a push over the series limit is refused before its samples are built', () => {
  const limits = { maxDecodedBytes: 16 * 1024 * 1024, allSamples: true, maxSamples: MAX };

  it('text: a 33 KB gzip body of 1.7 million samples is answered 413 with its count', () => {
    const line = 'a{b=""} 1\n';
    const count = Math.floor(limits.maxDecodedBytes / line.length);
    const body = zlib.gzipSync(Buffer.from(line.repeat(count)));
    expect(body.length).toBeLessThan(40_000);
    const decoded = decodePushBody('text/plain', 'gzip', body, limits);
    expect(decoded).toEqual({
      ok: false,
      status: 413,
      stage: 'parse',
      message: `push holds ${count} series, above the limit of ${MAX} series per push`,
    });
  });

  it('protobuf: many empty metrics, or one histogram of many buckets, is answered 413', () => {
    const manyMetrics = delimited({ name: 'm', type: 3, metric: Array.from({ length: MAX + 1 }, () => ({})) });
    const manyBuckets = delimited({
      name: 'h',
      type: 4,
      metric: [
        {
          histogram: {
            sample_count: 1,
            bucket: Array.from({ length: MAX + 1 }, (_, i) => ({ cumulative_count: 1, upper_bound: i })),
          },
        },
      ],
    });
    for (const body of [manyMetrics, manyBuckets]) {
      expect(decodePushBody(PROTO, undefined, body, limits)).toMatchObject({
        ok: false,
        status: 413,
        message: expect.stringMatching(
          new RegExp(`^push holds at least 1000[12] series, above the limit of ${MAX} series per push$`),
        ),
      });
    }
    // At the limit, the bodies decode (the parsed limit check is the handler's, checkPushLimits).
    const atLimit = delimited({ name: 'm', type: 3, metric: Array.from({ length: MAX }, () => ({ untyped: {} })) });
    expect(decodePushBody(PROTO, undefined, atLimit, limits).ok).toBe(true);
  });

  it('text at the limit, comments and blank lines not counted, decodes', () => {
    const body = Buffer.from(
      `# HELP a x\n# TYPE a gauge\n\n${'a 1\n'.repeat(1)}${Array.from({ length: MAX - 1 }, (_, i) => `a{i="${i}"} 1\n`).join('')}`,
    );
    expect(decodePushBody('text/plain', undefined, body, limits).ok).toBe(true);
  });
});
