import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AlertHistoryStore } from '../../adapters/alert-history';
import type { DeliveryGuard } from '../../adapters/delivery-guard';
import type { Notifier } from '../../adapters/notifiers/notifier';
import { DeliveryError, type NotifierLogger } from '../../adapters/notifiers/retry';
import { alertHistoryKey, alertHistoryRecord } from '../../domain/alerts/history';
import { notificationKey } from '../../domain/alerts/idempotency';
import { type AlertNotification, parseNotificationText } from '../../domain/alerts/model';
import { type DeliveryTarget, deliveryTargets, type RoutingOptions } from '../../domain/alerts/routing';

export interface DeliveryDeps {
  /** One notifier per target the routing can select. */
  readonly notifiers: Partial<Record<DeliveryTarget, Notifier>>;
  readonly routing: RoutingOptions;
  readonly guard: DeliveryGuard;
  readonly history: AlertHistoryStore;
  readonly logger: NotifierLogger & { error(message: string, ...extra: Record<string, unknown>[]): void };
  readonly now?: () => Date;
}

export interface DeliveryResult {
  /** The notification's identity (idempotency key prefix, history file name). */
  readonly key: string;
  readonly targets: readonly DeliveryTarget[];
  /** Targets that got it now. */
  readonly delivered: readonly DeliveryTarget[];
  /** Targets that had already got it (a duplicate within the idempotency window). */
  readonly duplicates: readonly DeliveryTarget[];
  readonly historyKey: string;
}

export type DeliverNotification = (notification: AlertNotification) => Promise<DeliveryResult>;

/**
 * THE delivery function (the queue consumer in AWS, in-process locally): routes the notification, delivers it to
 * each target at most once per idempotency window (each target guarded on its own, so a retry after a PagerDuty
 * failure does not post to Slack again), records it as alert history, and throws DeliveryError if a target
 * failed (after recording what did get through).
 */
export function makeDeliverNotification(deps: DeliveryDeps): DeliverNotification {
  const enabled = (['slack', 'pagerduty', 'email'] as const).filter((t) =>
    t === 'slack' ? deps.routing.slack : t === 'pagerduty' ? deps.routing.pagerduty : deps.routing.criticalEmail,
  );
  const missing = enabled.filter((t) => !deps.notifiers[t]);
  if (missing.length > 0) throw new Error(`alert delivery: targets enabled without a notifier: ${missing.join(', ')}`);
  const now = deps.now ?? (() => new Date());

  return async (notification) => {
    const key = notificationKey(notification);
    const targets = deliveryTargets(notification, deps.routing);
    const settled = await Promise.allSettled(
      targets.map(async (target) => {
        const notifier = deps.notifiers[target] as Notifier;
        return { target, ran: await deps.guard.once(`${key}#${target}`, () => notifier.notify(notification)) };
      }),
    );
    const delivered: DeliveryTarget[] = [];
    const duplicates: DeliveryTarget[] = [];
    const failures: { target: DeliveryTarget; error: unknown }[] = [];
    settled.forEach((s, i) => {
      const target = targets[i] as DeliveryTarget;
      if (s.status === 'fulfilled') (s.value.ran ? delivered : duplicates).push(target);
      else failures.push({ target, error: s.reason });
    });
    const at = now();
    const historyKey = alertHistoryKey(at, key);
    // Only a fresh delivery is recorded: a duplicate's record was written by the first copy.
    if (delivered.length > 0 || (failures.length > 0 && duplicates.length === 0) || targets.length === 0) {
      await deps.history.put(historyKey, alertHistoryRecord(notification, [...duplicates, ...delivered], at));
    }
    const summary = {
      key,
      receiver: notification.receiver,
      status: notification.status,
      alerts: notification.alerts.length,
      delivered,
      duplicates,
    };
    if (failures.length > 0) {
      const messages = failures.map((f) => (f.error instanceof Error ? f.error.message : String(f.error)));
      deps.logger.error('alert delivery failed', { ...summary, failures: messages });
      const retryable = failures.some((f) => !(f.error instanceof DeliveryError) || f.error.retryable);
      throw new DeliveryError(`delivery failed: ${messages.join('; ')}`, retryable, 0);
    }
    deps.logger.info('alert delivered', summary);
    return { key, targets, delivered, duplicates, historyKey };
  };
}

/**
 * The queue consumer: each SQS record holds one validated notification (the webhook's JSON). Failed records are
 * reported as batch item failures, so only they are retried and, after maxReceiveCount, go to the DLQ.
 */
export function makeDeliveryHandler(
  deliver: DeliverNotification,
  hooks: { beforeBatch?: (context: Context) => void } = {},
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    hooks.beforeBatch?.(context);
    const processor = new BatchProcessor(EventType.SQS);
    const recordHandler = async (record: SQSRecord) => {
      await deliver(parseNotificationText(record.body));
    };
    return processPartialResponse(event, recordHandler, processor, { context });
  };
}
