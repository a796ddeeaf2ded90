import {
  classifyHttpStatus,
  DeliveryError,
  parseRetryAfter,
  postJson,
  redact,
  withRetry,
} from '../../../../lambdas/adapters/notifiers/retry';
import { fakeClock } from '../../../support/alerts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-24T02:00:00Z');
  it.each([
    ['0', 0],
    ['1', 1000],
    [' 30 ', 30_000],
    ['Tue, 24 Nov 2026 02:00:05 GMT', 5000],
    ['Tue, 24 Nov 2026 01:59:00 GMT', 0],
  ])('reads %j as %d ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
  it.each([[null], [undefined], ['soon'], ['-5'], ['1.5']])('ignores %j (backoff applies instead)', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('classifyHttpStatus', () => {
  it.each([
    [200, 'delivered'],
    [202, 'delivered'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
  ])('%d → %s', (status, kind) => {
    expect(classifyHttpStatus(status, undefined, '').kind).toBe(kind);
  });
});

describe('withRetry', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300, deadlineMs: 10_000 };
  it('caps the exponential backoff at maxDelayMs', async () => {
    const clock = { ...fakeClock(), random: () => 1 };
    let n = 0;
    await withRetry('t', async () => (++n < 5 ? { kind: 'retry', reason: 'HTTP 500' } : { kind: 'delivered' }), {
      policy,
      clock,
    });
    expect(clock.sleeps).toEqual([100, 200, 300, 300]);
  });

  it('stops when the next backoff would pass the deadline', async () => {
    const clock = { ...fakeClock(), random: () => 1 };
    const error = await withRetry('t', async () => ({ kind: 'retry', reason: 'HTTP 500' }), {
      policy: { ...policy, deadlineMs: 250 },
      clock,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).attempts).toBe(2);
    expect(clock.sleeps).toEqual([100]);
  });
});

describe('postJson', () => {
  it('turns a network error into a retry whose reason holds no URL', async () => {
    const url = 'https://hooks.slack.com/services/T1/B2/SECRETSECRET';
    const failing = (async () => {
      throw Object.assign(new TypeError(`fetch failed for ${url}`), { cause: { code: 'ECONNREFUSED' } });
    }) as unknown as typeof fetch;
    const outcome = await postJson(failing, url, '{}', [url], fakeClock());
    expect(outcome).toEqual({ kind: 'retry', reason: 'network error ECONNREFUSED' });
  });

  it('redacts secrets echoed in an error body', async () => {
    const secret = 'R0UT1NGKEY0123456789abcdefABCDEF';
    const echo = (async () => new Response(`bad key ${secret}`, { status: 400 })) as unknown as typeof fetch;
    const outcome = await postJson(echo, 'http://x', '{}', [secret], fakeClock());
    expect(outcome).toEqual({ kind: 'permanent', reason: 'HTTP 400 bad key [redacted]' });
  });
});

describe('redact', () => {
  it('removes every occurrence and ignores empty secrets', () => {
    expect(redact('a-s3cr3t-b-s3cr3t', ['s3cr3t', ''])).toBe('a-[redacted]-b-[redacted]');
  });
});
