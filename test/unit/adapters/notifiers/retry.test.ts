import { postJsonOnce } from '../../../../lambdas/adapters/notifiers/http';
import type { Notifier } from '../../../../lambdas/adapters/notifiers/notifier';
import {
  type AttemptOutcome,
  classifyHttpStatus,
  DeliveryError,
  parseRetryAfter,
  retryStage,
} from '../../../../lambdas/adapters/notifiers/retry';
import { captureLogger, fakeClock, notification } from '../../../support/alerts';

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

/** A notifier whose one request answers the given outcomes in turn (then `delivered`). */
function scripted(...outcomes: AttemptOutcome[]): Notifier & { calls: () => number } {
  let calls = 0;
  return {
    target: 'slack',
    calls: () => calls,
    requests: async () => [
      {
        name: 'scripted',
        send: async () => {
          calls++;
          return outcomes.shift() ?? { kind: 'delivered' };
        },
      },
    ],
  };
}

describe('retryStage', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300, deadlineMs: 10_000 };
  const retry = { kind: 'retry', reason: 'HTTP 500' } as const;

  it('caps the exponential backoff at maxDelayMs', async () => {
    const clock = { ...fakeClock(), random: () => 1 };
    const notifier = scripted(retry, retry, retry, retry);
    const { attempts } = await retryStage({ policy, clock }).deliver(notifier, notification(1));
    expect(attempts).toBe(5);
    expect(clock.sleeps).toEqual([100, 200, 300, 300]);
  });

  it('stops when the next backoff would pass the deadline', async () => {
    const clock = { ...fakeClock(), random: () => 1 };
    const error = await retryStage({ policy: { ...policy, deadlineMs: 250 }, clock })
      .deliver(scripted(retry, retry, retry), notification(1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).attempts).toBe(2);
    expect((error as DeliveryError).retryable).toBe(true);
    expect(clock.sleeps).toEqual([100]);
  });

  it('stops at the first permanent answer: one call, not retryable, the answer kept', async () => {
    const clock = fakeClock();
    const notifier = scripted({ kind: 'permanent', reason: 'HTTP 400 invalid_blocks' });
    const error = (await retryStage({ policy, clock })
      .deliver(notifier, notification(1))
      .catch((e: unknown) => e)) as DeliveryError;
    expect(notifier.calls()).toBe(1);
    expect(error.retryable).toBe(false);
    expect(error.answer).toBe('HTTP 400 invalid_blocks');
    expect(error.message).toBe('scripted: refused, not retried: HTTP 400 invalid_blocks');
    expect(clock.sleeps).toEqual([]);
  });

  it('treats a throwing notifier as retryable and logs only the error name (messages may hold URLs)', async () => {
    const clock = fakeClock();
    const logger = captureLogger();
    let n = 0;
    const throwing: Notifier = {
      target: 'slack',
      requests: async () => [
        {
          name: 'throwing',
          send: async () => {
            if (n++ === 0)
              throw new TypeError('Failed to parse URL from https://hooks.slack.com/services/T1/B2/SECRET');
            return { kind: 'delivered' };
          },
        },
      ],
    };
    await retryStage({ policy, clock, logger }).deliver(throwing, notification(1));
    expect(logger.lines.join('\n')).toContain('unexpected TypeError');
    expect(logger.lines.join('\n')).not.toContain('SECRET');
  });
});

describe('postJsonOnce', () => {
  it('turns a network error into a retry whose reason holds no URL', async () => {
    const url = 'https://hooks.slack.com/services/T1/B2/SECRETSECRET';
    const failing = (async () => {
      throw Object.assign(new TypeError(`fetch failed for ${url}`), { cause: { code: 'ECONNREFUSED' } });
    }) as unknown as typeof fetch;
    const outcome = await postJsonOnce(failing, url, '{}', [url]);
    expect(outcome).toEqual({ kind: 'retry', reason: 'network error ECONNREFUSED' });
  });

  it('redacts secrets echoed in an error body', async () => {
    const secret = 'R0UT1NGKEY0123456789abcdefABCDEF';
    const echo = (async () => new Response(`bad key ${secret}`, { status: 400 })) as unknown as typeof fetch;
    const outcome = await postJsonOnce(echo, 'http://x', '{}', [secret]);
    expect(outcome).toEqual({ kind: 'permanent', reason: 'HTTP 400 bad key [redacted]' });
  });

  it('makes exactly one call whatever the answer', async () => {
    let calls = 0;
    const failing = (async () => {
      calls++;
      return new Response('', { status: 503 });
    }) as unknown as typeof fetch;
    expect((await postJsonOnce(failing, 'http://x', '{}', [])).kind).toBe('retry');
    expect(calls).toBe(1);
  });
});
