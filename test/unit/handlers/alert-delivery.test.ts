import type { Context, SQSEvent } from 'aws-lambda';
import type { AlertHistoryStore } from '../../../lambdas/adapters/alert-history';
import { memoryDeadLetterStore } from '../../../lambdas/adapters/dead-letters';
import { memoryDeliveryGuard } from '../../../lambdas/adapters/delivery-guard';
import type { Notifier } from '../../../lambdas/adapters/notifiers/notifier';
import { type AttemptOutcome, DeliveryError, retryStage } from '../../../lambdas/adapters/notifiers/retry';
import { slackNotifier } from '../../../lambdas/adapters/notifiers/slack';
import { DEAD_LETTER_TARGET_ATTRIBUTE, DEAD_LETTERED_AT_ATTRIBUTE } from '../../../lambdas/domain/alerts/dead-letter';
import type { AlertHistoryRecord } from '../../../lambdas/domain/alerts/history';
import type { AlertNotification } from '../../../lambdas/domain/alerts/model';
import { retryDelaySeconds } from '../../../lambdas/domain/alerts/redelivery';
import type { DeliveryTarget } from '../../../lambdas/domain/alerts/routing';
import { makeDeliverNotification, makeDeliveryHandler } from '../../../lambdas/handlers/alert-delivery/handler';
import { startSlackStandIn } from '../../../lib/devstack/saas-standins';
import { captureLogger, fakeClock, notification } from '../../support/alerts';

/** One attempt per request, no waiting: what a test scripts is what the stage sees. */
const ONE_ATTEMPT = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, deadlineMs: 1000 };

/** A notifier whose one request records what it got and answers as told (an outcome, or a throw). */
function fakeNotifier(target: DeliveryTarget) {
  const received: AlertNotification[] = [];
  const failures: (AttemptOutcome | Error)[] = [];
  let calls = 0;
  const notifier: Notifier & { received: AlertNotification[]; failures: typeof failures; calls: () => number } = {
    target,
    received,
    failures,
    calls: () => calls,
    async requests(n) {
      return [
        {
          name: target,
          async send() {
            calls++;
            const failure = failures.shift();
            if (failure instanceof Error) throw failure;
            if (failure) return failure;
            received.push(n);
            return { kind: 'delivered' };
          },
        },
      ];
    },
  };
  return notifier;
}

function setup(routing = { slack: true, pagerduty: true, criticalEmail: true }) {
  const notifiers = {
    slack: fakeNotifier('slack'),
    pagerduty: fakeNotifier('pagerduty'),
    email: fakeNotifier('email'),
  };
  const history = new Map<string, AlertHistoryRecord>();
  const store: AlertHistoryStore = { put: async (key, record) => void history.set(key, record) };
  const deadLetters = memoryDeadLetterStore();
  let now = Date.parse('2026-11-24T02:00:00Z');
  const deliver = makeDeliverNotification({
    notifiers,
    retry: retryStage({ policy: ONE_ATTEMPT, clock: fakeClock() }),
    deadLetters,
    routing,
    guard: memoryDeliveryGuard(90, () => now),
    history: store,
    logger: captureLogger(),
    now: () => new Date(now),
  });
  return { notifiers, history, deadLetters, deliver, advance: (ms: number) => (now += ms) };
}

describe('makeDeliverNotification', () => {
  it('delivers a critical notification to PagerDuty, Slack and email and records it once', async () => {
    const { notifiers, history, deliver } = setup();
    const result = await deliver(notification(2));
    expect([...result.delivered].sort()).toEqual(['email', 'pagerduty', 'slack']);
    expect(notifiers.pagerduty.received).toHaveLength(1);
    expect(notifiers.slack.received).toHaveLength(1);
    expect([...history.keys()]).toEqual([`alert-history/2026/11/24/${result.key}.json`]);
    expect(history.get(result.historyKey)?.deliveredTo).toEqual(['pagerduty', 'slack', 'email']);
  });

  it('turns the second copy of a notification (the other Alertmanager replica) into a no-op', async () => {
    const { notifiers, deliver } = setup();
    const n = notification(2);
    await deliver(n);
    const second = await deliver({ ...n, alerts: [...n.alerts].reverse() });
    expect(second.delivered).toEqual([]);
    expect(second.duplicates).toEqual(['pagerduty', 'slack', 'email']);
    expect(notifiers.slack.received).toHaveLength(1);
    expect(notifiers.pagerduty.received).toHaveLength(1);
  });

  it("still delivers Alertmanager's repeat notification after the idempotency window", async () => {
    const { notifiers, deliver, advance } = setup();
    await deliver(notification(1));
    advance(91_000);
    await deliver(notification(1));
    expect(notifiers.slack.received).toHaveLength(2);
  });

  it('after a PagerDuty failure, a retry pages once and does not post to Slack again', async () => {
    const { notifiers, history, deliver } = setup();
    notifiers.pagerduty.failures.push({ kind: 'retry', reason: 'HTTP 503' });
    const error = await deliver(notification(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(true);
    // What got through is recorded even though the notification as a whole failed.
    expect([...history.values()][0]?.deliveredTo).toEqual(['slack', 'email']);
    const retry = await deliver(notification(1));
    expect(retry.delivered).toEqual(['pagerduty']);
    expect(retry.duplicates).toEqual(['slack', 'email']);
    expect(notifiers.slack.received).toHaveLength(1);
    expect(notifiers.pagerduty.received).toHaveLength(1);
    expect([...history.values()][0]?.deliveredTo).toEqual(['slack', 'email', 'pagerduty']);
  });

  it('dead-letters a permanent refusal at once with the answer, does not fail, and does not call again', async () => {
    const { notifiers, deliver, deadLetters, history } = setup();
    notifiers.slack.failures.push({ kind: 'permanent', reason: 'HTTP 400 invalid_blocks' });
    const n = notification(1, { receiver: 'slack-warnings' });
    const result = await deliver(n);
    expect(result.delivered).toEqual([]);
    expect(result.deadLettered).toEqual([{ target: 'slack', answer: 'HTTP 400 invalid_blocks' }]);
    expect(notifiers.slack.calls()).toBe(1);
    expect(deadLetters.letters).toEqual([
      expect.objectContaining({
        key: result.key,
        target: 'slack',
        receiver: 'slack-warnings',
        attempts: 1,
        answer: 'HTTP 400 invalid_blocks',
        reason: 'slack: refused, not retried: HTTP 400 invalid_blocks',
        notification: n,
      }),
    ]);
    // Recorded, delivered to nobody.
    expect(history.get(result.historyKey)?.deliveredTo).toEqual([]);
    // The other Alertmanager replica's copy: no second vendor call, no second dead letter.
    const second = await deliver(n);
    expect(second.duplicates).toEqual(['slack']);
    expect(notifiers.slack.calls()).toBe(1);
    expect(deadLetters.letters).toHaveLength(1);
  });

  it('with one permanent and one retryable failure: dead-letters the first, throws retryable for the second', async () => {
    const { notifiers, deliver, deadLetters } = setup();
    notifiers.slack.failures.push({ kind: 'permanent', reason: 'HTTP 404 no_service' });
    notifiers.pagerduty.failures.push({ kind: 'retry', reason: 'HTTP 502' });
    const error = (await deliver(notification(1)).catch((e: unknown) => e)) as DeliveryError;
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('pagerduty: gave up after 1 attempts: HTTP 502');
    expect(deadLetters.letters.map((l) => l.target)).toEqual(['slack']);
    const retry = await deliver(notification(1));
    expect(retry.delivered).toEqual(['pagerduty']);
    expect(retry.duplicates).toEqual(['slack', 'email']);
    expect(notifiers.slack.calls()).toBe(1);
  });

  it('fails (so the notification is retried, not lost) when the dead letter cannot be written', async () => {
    const notifier = fakeNotifier('slack');
    notifier.failures.push({ kind: 'permanent', reason: 'HTTP 400 invalid_payload' });
    const deliver = makeDeliverNotification({
      notifiers: { slack: notifier },
      retry: retryStage({ policy: ONE_ATTEMPT, clock: fakeClock() }),
      deadLetters: {
        put: async () => {
          throw new Error('SQS unavailable');
        },
      },
      routing: { slack: true, pagerduty: false, criticalEmail: false },
      guard: memoryDeliveryGuard(90),
      history: { put: async () => undefined },
      logger: captureLogger(),
    });
    await expect(deliver(notification(1, { receiver: 'slack-warnings' }))).rejects.toThrow('SQS unavailable');
  });

  it('refuses to start when a target is enabled without a notifier', () => {
    expect(() =>
      makeDeliverNotification({
        notifiers: {},
        retry: retryStage(),
        deadLetters: memoryDeadLetterStore(),
        routing: { slack: true, pagerduty: false, criticalEmail: false },
        guard: memoryDeliveryGuard(90),
        history: { put: async () => undefined },
        logger: captureLogger(),
      }),
    ).toThrow('alert delivery: targets enabled without a notifier: slack');
  });
});

describe('makeDeliveryHandler (SQS, partial batch failures)', () => {
  const record = (id: string, body: string) => ({ messageId: id, body }) as SQSEvent['Records'][number];
  const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

  it('reports only the records that failed retryably, so only they are retried', async () => {
    const { notifiers, deliver, deadLetters } = setup();
    const handler = makeDeliveryHandler(deliver);
    notifiers.slack.failures.push(new Error('boom'), { kind: 'permanent', reason: 'HTTP 403 invalid_token' });
    const event = {
      Records: [
        record('fails', JSON.stringify(notification(1, { receiver: 'slack-warnings', groupKey: 'a' }))),
        record('refused', JSON.stringify(notification(1, { receiver: 'slack-warnings', groupKey: 'c' }))),
        record('ok', JSON.stringify(notification(1, { receiver: 'slack-warnings', groupKey: 'b' }))),
        record('invalid', '{"version":"3"}'),
      ],
    } as SQSEvent;
    const response = await handler(event, context);
    // The permanent refusal is not rethrown: dead-lettered directly, not received 5 more times.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['fails', 'invalid']);
    expect(deadLetters.letters.map((l) => l.notification.groupKey)).toEqual(['c']);
    expect(notifiers.slack.received.map((n) => n.groupKey)).toEqual(['b']);
  });
});

describe('makeDeliveryHandler: when a failed record comes back', () => {
  const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
  const record = (id: string, receiveCount: number, groupKey: string) =>
    ({
      messageId: id,
      body: JSON.stringify(notification(1, { receiver: 'slack-warnings', groupKey })),
      attributes: { ApproximateReceiveCount: String(receiveCount) },
    }) as unknown as SQSEvent['Records'][number];

  it('shortens the wait of each failed record by its receive count, and leaves delivered ones alone', async () => {
    const { notifiers, deliver } = setup();
    const delays: [string, number][] = [];
    const handler = makeDeliveryHandler(deliver, {
      delayRetry: async (r, seconds) => void delays.push([r.messageId, seconds]),
    });
    notifiers.slack.failures.push(new Error('boom'), new Error('boom again'));
    const event = { Records: [record('first', 1, 'a'), record('third', 3, 'b'), record('ok', 1, 'c')] } as SQSEvent;
    const response = await handler(event, context);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['first', 'third']);
    expect(delays.sort()).toEqual([
      ['first', retryDelaySeconds(1)],
      ['third', retryDelaySeconds(3)],
    ]);
    expect(retryDelaySeconds(1)).toBeLessThan(retryDelaySeconds(3));
  });

  it('still fails the record when the wait cannot be shortened, and says so', async () => {
    const { notifiers, deliver } = setup();
    const logger = captureLogger();
    const handler = makeDeliveryHandler(deliver, {
      delayRetry: async () => {
        throw new Error('AccessDenied: sqs:ChangeMessageVisibility');
      },
      logger,
    });
    notifiers.slack.failures.push(new Error('boom'));
    // With one record delivered: a batch whose every record failed makes Powertools fail the invocation.
    const response = await handler({ Records: [record('failed', 1, 'a'), record('ok', 1, 'b')] } as SQSEvent, context);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['failed']);
    expect(logger.lines.join('\n')).toContain('AccessDenied: sqs:ChangeMessageVisibility');
  });
});

describe('a notification sent before the newest one delivered for its group', () => {
  const firing = (startsAt = '2026-11-24T01:00:00Z') =>
    notification(1, { receiver: 'pagerduty-critical', groupKey: 'g', status: 'firing' }, () => ({ startsAt }));
  const resolved = () =>
    notification(1, { receiver: 'pagerduty-critical', groupKey: 'g', status: 'resolved' }, () => ({
      status: 'resolved',
      endsAt: '2026-11-24T01:30:00Z',
    }));

  it('is not sent (a late retry of the trigger after the resolve), and a later firing is', async () => {
    const { notifiers, deliver } = setup();
    expect((await deliver(resolved(), { sentAt: 2_000 })).delivered).toContain('pagerduty');
    const late = await deliver(firing(), { sentAt: 1_000 });
    expect(late.stale).toEqual(late.targets);
    expect(late.delivered).toEqual([]);
    expect(notifiers.pagerduty.received.map((n) => n.status)).toEqual(['resolved']);
    // Sent after the resolve: the alert fired again (Prometheus gives it a new start).
    const again = await deliver(firing('2026-11-24T02:00:00Z'), { sentAt: 3_000 });
    expect(again.delivered).toContain('pagerduty');
    expect(notifiers.pagerduty.received.map((n) => n.status)).toEqual(['resolved', 'firing']);
  });

  it('stops retrying once a newer notification of its group was delivered during its wait (checked before every retry)', async () => {
    // The trigger meets a PagerDuty 503 and waits its backoff; meanwhile the resolve is delivered.
    const pagerduty = fakeNotifier('pagerduty');
    pagerduty.failures.push({ kind: 'retry', reason: 'HTTP 503' });
    let wake: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => {
      wake = resolve;
    });
    let sleeping: () => void = () => undefined;
    const asleep = new Promise<void>((resolve) => {
      sleeping = resolve;
    });
    const clock = {
      now: () => 0,
      random: () => 0.5,
      sleep: async () => {
        sleeping();
        await waiting;
      },
    };
    const deliver = makeDeliverNotification({
      notifiers: { pagerduty },
      retry: retryStage({ policy: { ...ONE_ATTEMPT, maxAttempts: 3 }, clock }),
      deadLetters: memoryDeadLetterStore(),
      routing: { slack: false, pagerduty: true, criticalEmail: false },
      guard: memoryDeliveryGuard(90),
      history: { put: async () => undefined },
      logger: captureLogger(),
    });
    const trigger = deliver(firing(), { sentAt: 1_000 });
    await asleep;
    expect((await deliver(resolved(), { sentAt: 2_000 })).delivered).toEqual(['pagerduty']);
    wake();
    expect((await trigger).stale).toEqual(['pagerduty']);
    // One failed attempt of the trigger, then the resolve: the trigger is not sent after it.
    expect(pagerduty.calls()).toBe(2);
    expect(pagerduty.received.map((n) => n.status)).toEqual(['resolved']);
  });

  it('does not hold back a retry of the same notification after a failure', async () => {
    const { notifiers, deliver } = setup();
    notifiers.pagerduty.failures.push(new Error('HTTP 502'));
    await expect(deliver(firing(), { sentAt: 1_000 })).rejects.toThrow();
    expect((await deliver(firing(), { sentAt: 1_000 })).delivered).toContain('pagerduty');
  });

  it('never remembers a stale copy as delivered: the later copy of the same notification still goes out', async () => {
    // Both Alertmanager replicas sent the trigger (15 s apart); both copies met a PagerDuty 5xx.
    const { notifiers, deliver } = setup();
    notifiers.pagerduty.failures.push(new Error('HTTP 502'), new Error('HTTP 502'));
    await expect(deliver(firing(), { sentAt: 0 })).rejects.toThrow();
    await expect(deliver(firing(), { sentAt: 15_000 })).rejects.toThrow();
    // The first copy comes back first: stale against the second, and not remembered as delivered ...
    expect((await deliver(firing(), { sentAt: 0 })).stale).toContain('pagerduty');
    // ... so the second copy, when it comes back, delivers the trigger.
    expect((await deliver(firing(), { sentAt: 15_000 })).delivered).toContain('pagerduty');
    expect(notifiers.pagerduty.received.map((n) => n.status)).toEqual(['firing']);
  });

  it('keeps the webhook stamp of a dead letter through a redrive (SQS gives it a new SentTimestamp)', async () => {
    const { notifiers, deliver, deadLetters } = setup();
    notifiers.pagerduty.failures.push({ kind: 'permanent', reason: 'HTTP 400 invalid routing key' });
    await deliver(firing(), { sentAt: 1_000 });
    expect(deadLetters.letters[0]?.sentAt).toBe(1_000);
    await deliver(resolved(), { sentAt: 2_000 });
    // Redriven days later: the record carries the webhook stamp as an attribute and a fresh SentTimestamp.
    const handler = makeDeliveryHandler(deliver);
    const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
    await handler(
      {
        Records: [
          {
            messageId: 'redriven',
            body: JSON.stringify(firing()),
            attributes: { SentTimestamp: String(9_000_000) },
            messageAttributes: {
              target: { stringValue: 'pagerduty', dataType: 'String' },
              sentAt: { stringValue: '1000', dataType: 'Number' },
            },
          },
        ],
      } as unknown as SQSEvent,
      context,
    );
    expect(notifiers.pagerduty.received.map((n) => n.status)).toEqual(['resolved']);
  });

  it('takes the moment from the SQS record (SentTimestamp), kept across receives', async () => {
    const { notifiers, deliver } = setup();
    const handler = makeDeliveryHandler(deliver);
    const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
    const record = (id: string, body: AlertNotification, sentAt: number) =>
      ({
        messageId: id,
        body: JSON.stringify(body),
        attributes: { SentTimestamp: String(sentAt) },
      }) as unknown as SQSEvent['Records'][number];
    await handler({ Records: [record('resolve', resolved(), 2_000)] } as SQSEvent, context);
    await handler({ Records: [record('late-trigger', firing(), 1_000)] } as SQSEvent, context);
    expect(notifiers.pagerduty.received.map((n) => n.status)).toEqual(['resolved']);
  });
});

describe('redriven dead letters', () => {
  const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
  /** A dead letter as the SQS adapter writes it (dead-letters.ts), redriven to the queue. */
  const redriven = (n: AlertNotification, target: DeliveryTarget, deadLetteredAt = '2026-11-24T02:00:01.000Z') =>
    ({
      Records: [
        {
          messageId: 'redriven',
          body: JSON.stringify(n),
          messageAttributes: {
            [DEAD_LETTER_TARGET_ATTRIBUTE]: { stringValue: target, dataType: 'String' },
            [DEAD_LETTERED_AT_ATTRIBUTE]: { stringValue: deadLetteredAt, dataType: 'String' },
          },
        },
      ],
    }) as unknown as SQSEvent;

  it('deliver only to the target named by the record, not again to those that accepted it', async () => {
    const { notifiers, deliver } = setup();
    const handler = makeDeliveryHandler(deliver);
    const response = await handler(redriven(notification(1), 'slack'), context);
    expect(response.batchItemFailures).toEqual([]);
    expect(notifiers.slack.received).toHaveLength(1);
    expect(notifiers.pagerduty.calls()).toBe(0);
    expect(notifiers.email.calls()).toBe(0);
  });

  it('reach the target that refused, once the cause is fixed, within the idempotency window', async () => {
    const { notifiers, deliver, deadLetters } = setup();
    const n = notification(1);
    notifiers.slack.failures.push({ kind: 'permanent', reason: 'HTTP 403 invalid_token' });
    await deliver(n);
    expect(deadLetters.letters.map((l) => l.target)).toEqual(['slack']);
    // The other Alertmanager replica's copy does not call the refusing target again...
    expect((await deliver(n)).duplicates).toContain('slack');
    expect(notifiers.slack.calls()).toBe(1);
    // ...but the redrive after the webhook was rotated (seconds later, inside the window) delivers it.
    const handler = makeDeliveryHandler(deliver);
    expect((await handler(redriven(n, 'slack', deadLetters.letters[0]?.at), context)).batchItemFailures).toEqual([]);
    expect(notifiers.slack.received).toHaveLength(1);
    // The same redrive twice (SQS delivers at least once) posts once.
    await handler(redriven(n, 'slack', deadLetters.letters[0]?.at), context);
    expect(notifiers.slack.received).toHaveLength(1);
    expect(notifiers.pagerduty.received).toHaveLength(1);
  });
});

describe('the last receive of a record', () => {
  const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
  const record = (n: AlertNotification, receiveCount: number) =>
    ({
      Records: [
        { messageId: 'm', body: JSON.stringify(n), attributes: { ApproximateReceiveCount: String(receiveCount) } },
      ],
    }) as unknown as SQSEvent;

  it('dead-letters a target still failing by name instead of failing the record, so its redrive goes to it alone', async () => {
    const { notifiers, deliver, deadLetters } = setup();
    const handler = makeDeliveryHandler(deliver, { maxReceiveCount: 5 });
    const n = notification(1);
    // Receive 4 of 5: PagerDuty answers 503, the record fails and comes back.
    notifiers.pagerduty.failures.push({ kind: 'retry', reason: 'HTTP 503' });
    // (A batch whose every record failed is failed whole: Powertools' FullBatchFailureError.)
    await expect(handler(record(n, 4), context)).rejects.toThrow('All records failed processing');
    expect(deadLetters.letters).toEqual([]);
    // Receive 5 of 5: still 503. Dead-lettered naming PagerDuty; the record succeeds (not moved by the queue).
    notifiers.pagerduty.failures.push({ kind: 'retry', reason: 'HTTP 503' });
    expect((await handler(record(n, 5), context)).batchItemFailures).toEqual([]);
    expect(deadLetters.letters.map((l) => [l.target, l.reason])).toEqual([
      ['pagerduty', expect.stringMatching(/^retries used up \(last receive\): .*HTTP 503/)],
    ]);
    // Slack and email took it on the first receive and were not called again.
    expect([notifiers.slack.calls(), notifiers.email.calls()]).toEqual([1, 1]);
    expect(notifiers.pagerduty.received).toEqual([]);
  });

  it('without a known maxReceiveCount (in-process, locally) keeps failing the record as before', async () => {
    const { notifiers, deliver, deadLetters } = setup();
    const handler = makeDeliveryHandler(deliver);
    notifiers.pagerduty.failures.push({ kind: 'retry', reason: 'HTTP 503' });
    await expect(handler(record(notification(1), 99), context)).rejects.toThrow('All records failed processing');
    expect(deadLetters.letters).toEqual([]);
  });
});

describe('multi-message Slack notifications', () => {
  it('after message 2 of 3 failed, the retry posts only messages 2 and 3', async () => {
    const standIn = await startSlackStandIn();
    try {
      const deliver = makeDeliverNotification({
        notifiers: { slack: slackNotifier(async () => standIn.url) },
        retry: retryStage({ policy: ONE_ATTEMPT }),
        deadLetters: memoryDeadLetterStore(),
        routing: { slack: true, pagerduty: false, criticalEmail: false },
        guard: memoryDeliveryGuard(90),
        history: { put: async () => undefined },
        logger: captureLogger(),
      });
      // ~2.9k characters per alert: 13 alerts per message, so 30 alerts make 3 messages.
      const big = notification(30, { receiver: 'slack-warnings' }, (i) => ({
        annotations: { summary: `${i} ${'x'.repeat(2850)}` },
      }));
      standIn.failNext({ status: 200, body: 'ok' }, { status: 500 });
      await expect(deliver(big)).rejects.toThrow('slack message 2/3: gave up after 1 attempts: HTTP 500');
      await deliver(big);
      const parts = standIn.requests.map(
        (r) =>
          `${r.status} ${JSON.stringify((r.json as { blocks: unknown[] }).blocks[1]).match(/message \d of 3/)?.[0]}`,
      );
      expect(parts).toEqual(['200 message 1 of 3', '500 message 2 of 3', '200 message 2 of 3', '200 message 3 of 3']);
    } finally {
      await standIn.stop();
    }
  });
});
