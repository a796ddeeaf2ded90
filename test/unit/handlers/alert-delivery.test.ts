import type { Context, SQSEvent } from 'aws-lambda';
import type { AlertHistoryStore } from '../../../lambdas/adapters/alert-history';
import { memoryDeliveryGuard } from '../../../lambdas/adapters/delivery-guard';
import type { Notifier } from '../../../lambdas/adapters/notifiers/notifier';
import { DeliveryError } from '../../../lambdas/adapters/notifiers/retry';
import type { AlertHistoryRecord } from '../../../lambdas/domain/alerts/history';
import type { AlertNotification } from '../../../lambdas/domain/alerts/model';
import type { DeliveryTarget } from '../../../lambdas/domain/alerts/routing';
import { makeDeliverNotification, makeDeliveryHandler } from '../../../lambdas/handlers/alert-delivery/handler';
import { captureLogger, notification } from '../../support/alerts';

/** A notifier that records what it got and fails as told. */
function fakeNotifier(target: DeliveryTarget) {
  const received: AlertNotification[] = [];
  const failures: Error[] = [];
  const notifier: Notifier & { received: AlertNotification[]; failures: Error[] } = {
    target,
    received,
    failures,
    async notify(n) {
      const failure = failures.shift();
      if (failure) throw failure;
      received.push(n);
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
  let now = Date.parse('2026-11-24T02:00:00Z');
  const deliver = makeDeliverNotification({
    notifiers,
    routing,
    guard: memoryDeliveryGuard(90, () => now),
    history: store,
    logger: captureLogger(),
    now: () => new Date(now),
  });
  return { notifiers, history, deliver, advance: (ms: number) => (now += ms) };
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
    notifiers.pagerduty.failures.push(new DeliveryError('pagerduty: HTTP 503', true, 6));
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

  it('reports a permanent failure as not retryable', async () => {
    const { notifiers, deliver } = setup();
    notifiers.slack.failures.push(new DeliveryError('slack: HTTP 400 invalid_blocks', false, 1));
    const error = (await deliver(notification(1, { receiver: 'slack-warnings' })).catch(
      (e: unknown) => e,
    )) as DeliveryError;
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('invalid_blocks');
  });

  it('refuses to start when a target is enabled without a notifier', () => {
    expect(() =>
      makeDeliverNotification({
        notifiers: {},
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

  it('reports only the records that failed, so only they are retried', async () => {
    const { notifiers, deliver } = setup();
    const handler = makeDeliveryHandler(deliver);
    notifiers.slack.failures.push(new Error('boom'));
    const event = {
      Records: [
        record('fails', JSON.stringify(notification(1, { receiver: 'slack-warnings', groupKey: 'a' }))),
        record('ok', JSON.stringify(notification(1, { receiver: 'slack-warnings', groupKey: 'b' }))),
        record('invalid', '{"version":"3"}'),
      ],
    } as SQSEvent;
    const response = await handler(event, context);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['fails', 'invalid']);
    expect(notifiers.slack.received.map((n) => n.groupKey)).toEqual(['b']);
  });
});
