/**
 * THE contract every notifier passes (Slack, PagerDuty, SNS email): one attempt per vendor request, classified
 * (delivered / retry after / permanent); through the one retry stage, 5xx retried with backoff, 429 waits for
 * Retry-After, permanent 4xx not retried, secrets (and every credential part of them) never in logs or errors,
 * vendor limits respected on oversized input. Slack and PagerDuty run against the local stand-ins; SNS is mocked at
 * the SDK boundary.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { classifySnsError, emailNotifier } from '../../../../lambdas/adapters/notifiers/email';
import type { Notifier } from '../../../../lambdas/adapters/notifiers/notifier';
import { pagerDutyNotifier } from '../../../../lambdas/adapters/notifiers/pagerduty';
import {
  type AttemptOutcome,
  DeliveryError,
  type RetryPolicy,
  type RetryStage,
  retryStage,
} from '../../../../lambdas/adapters/notifiers/retry';
import { slackNotifier } from '../../../../lambdas/adapters/notifiers/slack';
import { credentialParts, MIN_REDACTED_FRAGMENT } from '../../../../lambdas/domain/alerts/redaction';
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
  /** What a vendor could echo of the secret besides the whole of it (Slack: the webhook URL's path). */
  readonly echoes: readonly string[];
  notifier(clock: ReturnType<typeof fakeClock>): Notifier;
  /** The next calls get these answers. */
  answer(...answers: Answer[]): void;
  /** Calls made to the vendor so far. */
  attempts(): number;
  /** Asserts every accepted call is within the vendor's limits; returns how many were accepted. */
  acceptedWithinLimits(): number;
  reset(): void;
  close(): Promise<void>;
}

function httpHarness(
  standIn: SaasStandIn,
  secret: string,
  echoes: readonly string[],
  make: Harness['notifier'],
): Harness {
  return {
    secret,
    echoes,
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
  const path = new URL(standIn.url).pathname;
  return httpHarness(standIn, standIn.url, [path, ...path.split('/').slice(2)], (clock) =>
    slackNotifier(async () => standIn.url, { now: clock.now }),
  );
}

async function pagerDutyHarness(): Promise<Harness> {
  const standIn = await startPagerDutyStandIn();
  const key = 'R0UT1NGKEY0123456789abcdefABCDEF';
  return httpHarness(standIn, key, [key.slice(0, 20), key.slice(12)], (clock) =>
    pagerDutyNotifier(async () => key, { eventsUrl: standIn.url, now: clock.now }),
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
    echoes: [topicArn.slice(0, 30), topicArn.slice(25)],
    notifier: (clock) =>
      emailNotifier(new SNSClient({ region: 'eu-west-1', maxAttempts: 1 }), topicArn, { now: clock.now }),
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
  let stage: RetryStage;
  /** The notification through the one retry stage, as the delivery function sends it. */
  const deliver = (n: Parameters<Notifier['requests']>[0]) => stage.deliver(notifier, n);
  /** Every 8-character fragment of every credential part of the secret: none may be seen. */
  const fragments = () =>
    credentialParts(harness.secret).flatMap((part) =>
      Array.from({ length: Math.max(1, part.length - MIN_REDACTED_FRAGMENT + 1) }, (_, i) =>
        part.slice(i, i + MIN_REDACTED_FRAGMENT),
      ),
    );

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
    notifier = harness.notifier(clock);
    stage = retryStage({ policy: POLICY, clock, logger });
  });

  describe('classifies ONE attempt without retrying it', () => {
    const attemptOnce = async (): Promise<AttemptOutcome> => {
      const requests = await notifier.requests(notification(1));
      expect(requests).toHaveLength(1);
      return (requests[0] as { send(): Promise<AttemptOutcome> }).send();
    };

    it('delivered: the vendor accepted it', async () => {
      expect(await attemptOnce()).toEqual({ kind: 'delivered' });
      expect(harness.attempts()).toBe(1);
    });

    it.each([
      [
        { status: 429, retryAfter: '7' },
        { kind: 'retry', retryAfterMs: 7000 },
      ],
      [{ status: 429 }, { kind: 'retry', retryAfterMs: undefined }],
      [{ status: 500 }, { kind: 'retry' }],
      [{ status: 503 }, { kind: 'retry' }],
      [{ status: 400, body: 'invalid_payload' }, { kind: 'permanent' }],
      [{ status: 403, body: 'invalid_token' }, { kind: 'permanent' }],
      [{ status: 404, body: 'no_service' }, { kind: 'permanent' }],
    ] as const)('%j → %j, naming the status', async (answer, expected) => {
      harness.answer(answer);
      const outcome = await attemptOnce();
      expect(outcome).toMatchObject(expected);
      expect((outcome as { reason: string }).reason).toContain(`HTTP ${answer.status}`);
      expect(harness.attempts()).toBe(1);
      expect(clock.sleeps).toEqual([]);
    });
  });

  it('delivers a small notification in exactly one call, without waiting', async () => {
    await deliver(notification(3));
    expect(harness.attempts()).toBe(1);
    expect(harness.acceptedWithinLimits()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries 5xx with exponential backoff and jitter, then delivers', async () => {
    harness.answer({ status: 500 }, { status: 503 });
    await deliver(notification(1));
    expect(harness.attempts()).toBe(3);
    // random() = 0.5 → half of 100 ms, then half of 200 ms.
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('honours Retry-After on 429 and then delivers', async () => {
    harness.answer({ status: 429, retryAfter: '7' });
    await deliver(notification(1));
    expect(harness.attempts()).toBe(2);
    expect(clock.sleeps).toEqual([7000]);
  });

  it('does not retry a permanent 4xx and says it is not retryable', async () => {
    harness.answer({ status: 400, body: 'invalid_payload' });
    const error = await deliver(notification(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(false);
    expect((error as DeliveryError).message).toMatch(/400/);
    expect(harness.attempts()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up after the attempt budget with a retryable error', async () => {
    harness.answer({ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 });
    const error = await deliver(notification(1)).catch((e: unknown) => e);
    expect((error as DeliveryError).retryable).toBe(true);
    expect(harness.attempts()).toBe(POLICY.maxAttempts);
  });

  it('does not wait past its deadline when Retry-After is longer', async () => {
    harness.answer({ status: 429, retryAfter: '3600' });
    const error = await deliver(notification(1)).catch((e: unknown) => e);
    expect((error as DeliveryError).retryable).toBe(true);
    expect((error as DeliveryError).message).toMatch(/deadline/);
    expect(clock.sleeps).toEqual([]);
  });

  it('never puts its secret in logs or errors, even when the vendor echoes it', async () => {
    const echo = `request to ${harness.secret} failed`;
    harness.answer({ status: 500, body: echo }, { status: 403, body: echo });
    const error = (await deliver(notification(1)).catch((e: unknown) => e)) as DeliveryError;
    const seen = [error.message, error.answer, String(error.stack), JSON.stringify(error), ...logger.lines].join('\n');
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(seen).toContain('[redacted]');
    expect(seen).not.toContain(harness.secret);
    for (const fragment of fragments()) expect(seen).not.toContain(fragment);
  });

  it('redacts the credential parts a vendor echoes without the rest, even past the cut of a long answer', async () => {
    for (const part of harness.echoes) {
      harness.reset();
      // The part straddles the 200-character cut: the old code cut first and leaked all of it but its tail.
      harness.answer({ status: 400, body: `${'x'.repeat(190)} ${part} ${'y'.repeat(300)}` });
      const error = (await deliver(notification(1)).catch((e: unknown) => e)) as DeliveryError;
      const seen = [error.message, error.answer, ...logger.lines].join('\n');
      expect(error.retryable).toBe(false);
      for (const fragment of fragments()) expect(seen).not.toContain(fragment);
    }
  });

  it('keeps oversized input within the vendor limits and still delivers it', async () => {
    await deliver(oversizedNotification(400));
    expect(harness.acceptedWithinLimits()).toBeGreaterThanOrEqual(1);
    expect(harness.attempts()).toBe(harness.acceptedWithinLimits());
  });
});

describe('SNS errors the SDK models as client faults but are throttling', () => {
  it('retries KMSThrottlingException (the topic key throttled: 400 in @aws-sdk/client-sns) and permanent-fails a real 400', () => {
    const error = (name: string) =>
      Object.assign(new Error('Rate exceeded'), { name, $metadata: { httpStatusCode: 400 }, $fault: 'client' });
    expect(classifySnsError(error('KMSThrottlingException'), []).kind).toBe('retry');
    expect(classifySnsError(error('InvalidParameterException'), []).kind).toBe('permanent');
  });
});
