/**
 * THE contract every notifier passes (Slack, PagerDuty, SNS email): 5xx retried with backoff, 429 waits for
 * Retry-After, permanent 4xx not retried, secrets never in logs or errors, vendor limits respected on oversized
 * input. Slack and PagerDuty run against the local stand-ins; SNS is mocked at the SDK boundary.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { emailNotifier } from '../../../../lambdas/adapters/notifiers/email';
import type { Notifier } from '../../../../lambdas/adapters/notifiers/notifier';
import { pagerDutyNotifier } from '../../../../lambdas/adapters/notifiers/pagerduty';
import { DeliveryError, type RetryPolicy } from '../../../../lambdas/adapters/notifiers/retry';
import { slackNotifier } from '../../../../lambdas/adapters/notifiers/slack';
import { type SaasStandIn, startPagerDutyStandIn, startSlackStandIn } from '../../../../lib/devstack/saas-standins';
import { captureLogger, fakeClock, notification, oversizedNotification } from '../../../support/alerts';

const POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, deadlineMs: 30_000 };

/** A forced vendor answer: the HTTP status, an optional Retry-After, an optional body (which may echo secrets). */
interface Answer {
  readonly status: number;
  readonly retryAfter?: string;
  readonly body?: string;
}

interface Harness {
  readonly secret: string;
  notifier(clock: ReturnType<typeof fakeClock>, logger: ReturnType<typeof captureLogger>): Notifier;
  /** The next calls get these answers. */
  answer(...answers: Answer[]): void;
  /** Calls made to the vendor so far. */
  attempts(): number;
  /** Asserts every accepted call is within the vendor's limits; returns how many were accepted. */
  acceptedWithinLimits(): number;
  reset(): void;
  close(): Promise<void>;
}

function httpHarness(standIn: SaasStandIn, secret: string, make: Harness['notifier']): Harness {
  return {
    secret,
    notifier: make,
    answer: (...answers) =>
      standIn.failNext(
        ...answers.map((a) => ({
          status: a.status,
          body: a.body,
          headers: a.retryAfter ? { 'retry-after': a.retryAfter } : ({} as Record<string, string>),
        })),
      ),
    attempts: () => standIn.requests.length,
    acceptedWithinLimits: () => {
      // The stand-ins answer 400 to anything over the vendor limits, so "accepted" means "within limits".
      expect(standIn.requests.filter((r) => r.status >= 400)).toEqual([]);
      return standIn.accepted().length;
    },
    reset: () => standIn.reset(),
    close: () => standIn.stop(),
  };
}

async function slackHarness(): Promise<Harness> {
  const standIn = await startSlackStandIn();
  return httpHarness(standIn, standIn.url, (clock, logger) =>
    slackNotifier(async () => standIn.url, { policy: POLICY, clock, logger }),
  );
}

async function pagerDutyHarness(): Promise<Harness> {
  const standIn = await startPagerDutyStandIn();
  const key = 'R0UT1NGKEY0123456789abcdefABCDEF';
  return httpHarness(standIn, key, (clock, logger) =>
    pagerDutyNotifier(async () => key, { eventsUrl: standIn.url, policy: POLICY, clock, logger }),
  );
}

async function emailHarness(): Promise<Harness> {
  const sns = mockClient(SNSClient);
  const topicArn = 'arn:aws:sns:eu-west-1:123456789012:greenlang-prod-critical-alerts';
  const queue: Answer[] = [];
  const calls: { Subject?: string; Message?: string }[] = [];
  const install = () =>
    sns.on(PublishCommand).callsFake(async (input: { Subject?: string; Message?: string }) => {
      calls.push(input);
      const next = queue.shift();
      if (!next) return { MessageId: `m-${calls.length}` };
      throw Object.assign(new Error(next.body ?? `status ${next.status}`), {
        name:
          next.status === 429
            ? 'ThrottledException'
            : next.status >= 500
              ? 'InternalErrorException'
              : 'InvalidParameterException',
        $metadata: { httpStatusCode: next.status },
        $fault: next.status >= 500 ? 'server' : 'client',
        $response: { headers: next.retryAfter ? { 'retry-after': next.retryAfter } : {} },
      });
    });
  install();
  return {
    secret: topicArn,
    notifier: (clock, logger) =>
      emailNotifier(new SNSClient({ region: 'eu-west-1' }), topicArn, { policy: POLICY, clock, logger }),
    answer: (...answers) => {
      queue.push(...answers);
    },
    attempts: () => calls.length,
    acceptedWithinLimits: () => {
      const accepted = calls.length - 0;
      for (const c of calls) {
        expect(c.Subject?.length ?? 0).toBeLessThanOrEqual(100);
        expect(c.Subject).toMatch(/^[\x20-\x7E]+$/);
        expect(Buffer.byteLength(c.Message ?? '')).toBeLessThanOrEqual(262_144);
      }
      return accepted;
    },
    reset: () => {
      queue.length = 0;
      calls.length = 0;
    },
    close: async () => {
      sns.restore();
    },
  };
}

describe.each([
  ['slack', slackHarness],
  ['pagerduty', pagerDutyHarness],
  ['email', emailHarness],
])('notifier contract: %s', (_name, makeHarness) => {
  let harness: Harness;
  let clock: ReturnType<typeof fakeClock>;
  let logger: ReturnType<typeof captureLogger>;
  let notifier: Notifier;

  beforeAll(async () => {
    harness = await makeHarness();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => {
    harness.reset();
    clock = fakeClock();
    logger = captureLogger();
    notifier = harness.notifier(clock, logger);
  });

  it('delivers a small notification in exactly one call, without waiting', async () => {
    await notifier.notify(notification(3));
    expect(harness.attempts()).toBe(1);
    expect(harness.acceptedWithinLimits()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries 5xx with exponential backoff and jitter, then delivers', async () => {
    harness.answer({ status: 500 }, { status: 503 });
    await notifier.notify(notification(1));
    expect(harness.attempts()).toBe(3);
    // random() = 0.5 → half of 100 ms, then half of 200 ms.
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('honours Retry-After on 429 and then delivers', async () => {
    harness.answer({ status: 429, retryAfter: '7' });
    await notifier.notify(notification(1));
    expect(harness.attempts()).toBe(2);
    expect(clock.sleeps).toEqual([7000]);
  });

  it('does not retry a permanent 4xx and says it is not retryable', async () => {
    harness.answer({ status: 400, body: 'invalid_payload' });
    const error = await notifier.notify(notification(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(false);
    expect((error as DeliveryError).message).toMatch(/400/);
    expect(harness.attempts()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up after the attempt budget with a retryable error', async () => {
    harness.answer({ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 });
    const error = await notifier.notify(notification(1)).catch((e: unknown) => e);
    expect((error as DeliveryError).retryable).toBe(true);
    expect(harness.attempts()).toBe(POLICY.maxAttempts);
  });

  it('does not wait past its deadline when Retry-After is longer', async () => {
    harness.answer({ status: 429, retryAfter: '3600' });
    const error = await notifier.notify(notification(1)).catch((e: unknown) => e);
    expect((error as DeliveryError).retryable).toBe(true);
    expect((error as DeliveryError).message).toMatch(/deadline/);
    expect(clock.sleeps).toEqual([]);
  });

  it('never puts its secret in logs or errors, even when the vendor echoes it', async () => {
    const echo = `request to ${harness.secret} failed`;
    harness.answer({ status: 500, body: echo }, { status: 403, body: echo });
    const error = (await notifier.notify(notification(1)).catch((e: unknown) => e)) as Error;
    const seen = [error.message, String(error.stack), JSON.stringify(error), ...logger.lines].join('\n');
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(seen).toContain('[redacted]');
    expect(seen).not.toContain(harness.secret);
  });

  it('keeps oversized input within the vendor limits and still delivers it', async () => {
    await notifier.notify(oversizedNotification(400));
    expect(harness.acceptedWithinLimits()).toBeGreaterThanOrEqual(1);
    expect(harness.attempts()).toBe(harness.acceptedWithinLimits());
  });
});
