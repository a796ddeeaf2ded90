import fc from 'fast-check';
import {
  decodeBase64Value,
  encodeBase64Value,
  formatGroupingPath,
  groupingKeyId,
  parseGroupingPath,
} from '../../../lambdas/domain/grouping-key';

describe('parseGroupingPath', () => {
  it.each([
    ['/metrics/job/batch', { job: 'batch' }],
    ['/metrics/job/batch/instance/host-1', { job: 'batch', instance: 'host-1' }],
    ['/metrics/job/batch/instance/host-1/shard/3', { job: 'batch', instance: 'host-1', shard: '3' }],
    ['/metrics/job@base64/L3Zhci90bXA', { job: '/var/tmp' }],
    ['/metrics/job@base64/YQ/b@base64/=', { job: 'a', b: '' }],
    ['/metrics/job/d/a@base64/YWJj', { job: 'd', a: 'abc' }],
    ['/metrics/job/d/a@base64/YW=', { job: 'd', a: 'a' }],
    ['/metrics/job/d/a@base64/YW==', { job: 'd', a: 'a' }],
    ['/metrics/job/d/a@base64/w6k', { job: 'd', a: 'é' }],
    ['/metrics/job/e/a/', { job: 'e', a: '' }],
  ])('%s → %j', (path, key) => {
    expect(parseGroupingPath(path)).toEqual({ ok: true, key });
  });

  it.each([
    ['/metrics/job/a/b', 400, 'odd number of components in label string "/b"'],
    ['/metrics/job/a/x/y/', 400, 'odd number of components in label string "/x/y/"'],
    ['/metrics/job/a/__b/c', 400, 'improper label name "__b"'],
    ['/metrics/job/a/1b/c', 400, 'improper label name "1b"'],
    ['/metrics/job/a/b@base6/c', 400, 'improper label name "b@base6"'],
    ['/metrics/job@base64/!!', 400, 'invalid base64 encoding in job name "!!"'],
    ['/metrics/job@base64/=', 400, 'job name is required'],
    ['/metrics/job/d/a@base64/_-8', 400, 'invalid base64 encoding for label a="_-8"'],
    ['/metrics/job/d/a@base64/Y', 400, 'invalid base64 encoding for label a="Y"'],
    ['/metrics/job/', 404, '404 page not found'],
    ['/metrics', 404, '404 page not found'],
    ['/metrics/jobs/x', 404, '404 page not found'],
  ])('%s → %i %s', (path, status, message) => {
    expect(parseGroupingPath(path)).toEqual({ ok: false, status, message });
  });
});

describe('base64 values', () => {
  it('uses the URL-safe alphabet and no padding, = for the empty value', () => {
    expect(encodeBase64Value('')).toBe('=');
    expect(encodeBase64Value('\u00ff\u00fe?>')).toBe('w7_Dvj8-');
    expect(decodeBase64Value('w7_Dvj8-')).toBe('\u00ff\u00fe?>');
    expect(decodeBase64Value('w7/Dvj8+')).toBeUndefined();
  });
});

describe('grouping key properties', () => {
  const labelName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,10}$/).filter((n) => n !== 'job');
  const key = fc
    .tuple(
      fc.string({ minLength: 1, unit: 'grapheme' }),
      fc.dictionary(labelName, fc.string({ unit: 'grapheme' }), { maxKeys: 4 }),
    )
    .map(([job, labels]) => ({ ...labels, job }));

  it('round-trips any key through its @base64 path', () => {
    fc.assert(
      fc.property(key, (k) => {
        const parsed = parseGroupingPath(formatGroupingPath(k));
        expect(parsed).toEqual({ ok: true, key: k });
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips any UTF-8 value through URL-safe base64, with or without padding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 0, max: 2 }), (value, padding) => {
        expect(decodeBase64Value(encodeBase64Value(value) + '='.repeat(value === '' ? 0 : padding))).toBe(value);
      }),
    );
  });

  it('gives the same id whatever the label order', () => {
    fc.assert(
      fc.property(key, (k) => {
        const reversed = Object.fromEntries(Object.entries(k).reverse());
        expect(groupingKeyId(reversed)).toBe(groupingKeyId(k));
      }),
    );
  });
});
