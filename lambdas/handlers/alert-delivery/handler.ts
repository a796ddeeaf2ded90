import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AlertHistoryStore } from '../../adapters/alert-history';
import type { Clock } from '../../adapters/clock';
import type { DeadLetterStore } from '../../adapters/dead-letters';
import type { DeliveryGuard } from '../../adapters/delivery-guard';
import type { ErrorLogger } from '../../adapters/logger';
import { memoryNotificationOrder, type NotificationOrder } from '../../adapters/notification-order';
import type { Notifier } from '../../adapters/notifiers/notifier';
import { DeliveryError, type RetryStage, Superseded } from '../../adapters/notifiers/retry';
import type { RetryDelay } from '../../adapters/sqs-retry-delay';
import { DEAD_LETTER_TARGET_ATTRIBUTE, DEAD_LETTERED_AT_ATTRIBUTE } from '../../domain/alerts/dead-letter';
import { alertHistoryKey, alertHistoryRecord } from '../../domain/alerts/history';
import { notificationKey } from '../../domain/alerts/idempotency';
import { type AlertNotification, parseNotificationText } from '../../domain/alerts/model';
import { notificationOrderKey, SENT_AT_ATTRIBUTE } from '../../domain/alerts/ordering';
import { retryDelaySeconds } from '../../domain/alerts/redelivery';
import {
  DELIVERY_TARGETS,
  type DeliveryTarget,
  deliveryTargets,
  type RoutingOptions,
} from '../../domain/alerts/routing';

/** A target skipped because a newer notification of the group was attempted (ordering.ts). */
class StaleNotification extends Error {
  override readonly name = 'StaleNotification';
}

export interface DeliveryDeps {
  /** One notifier per target the routing can select. */
  readonly notifiers: Partial<Record<DeliveryTarget, Notifier>>;
  /** The one retry policy applied to every notifier's attempts. */
  readonly retry: RetryStage;
  /** Where a permanently refused delivery goes at once (not retried). */
  readonly deadLetters: DeadLetterStore;
  readonly routing: RoutingOptions;
  readonly guard: DeliveryGuard;
  readonly history: AlertHistoryStore;
  readonly logger: ErrorLogger;
  readonly now?: Clock;
  /** The newest notification delivered per group and target (ordering.ts). @default in memory, per instance */
  readonly order?: NotificationOrder;
}

export interface DeliveryResult {
  /** The notification's identity (idempotency key prefix, history file name). */
  readonly key: string;
  readonly targets: readonly DeliveryTarget[];
  /** Targets that got it now. */
  readonly delivered: readonly DeliveryTarget[];
  /** Targets that had already got it (a duplicate within the idempotency window). */
  readonly duplicates: readonly DeliveryTarget[];
  /** Targets that had already got a newer notification of the group: this one was not sent (ordering.ts). */
  readonly stale: readonly DeliveryTarget[];
  /** Targets that refused it for good: recorded in the dead-letter store, not retried. */
  readonly deadLettered: readonly { readonly target: DeliveryTarget; readonly answer: string }[];
  readonly historyKey: string;
}

/** Options of one delivery. */
export interface DeliverOptions {
  /** Deliver only to these of the routed targets (a redriven dead letter names the target that refused it). */
  readonly only?: readonly DeliveryTarget[];
  /** When it was sent (epoch ms: its SQS record's SentTimestamp), for its group's order. @default now */
  readonly sentAt?: number;
  /**
   * The dead letter this is a redrive of (its `deadLetteredAt` attribute). A target that refused a notification was
   * remembered as settled (so the other Alertmanager replica's copy does not call it again); its redrive, once the
   * cause is fixed, is a new delivery of that target, guarded under its own key, not a duplicate of the refusal.
   */
  readonly redriveOf?: string;
  /**
   * This is the queue's last receive of the record (`ApproximateReceiveCount` = maxReceiveCount): a target still
   * failing is dead-lettered now, naming it, instead of the record failing and the queue's redrive policy moving the
   * whole notification to the dead-letter queue without a target (whose redrive would go to every target again).
   */
  readonly lastAttempt?: boolean;
}

export type DeliverNotification = (
  notification: AlertNotification,
  options?: DeliverOptions,
) => Promise<DeliveryResult>;

/**
 * THE delivery function (the queue consumer in AWS, in-process locally): routes the notification, delivers it to
 * each target through the retry stage at most once per idempotency window (each target guarded on its own, so a
 * retry after a PagerDuty failure does not post to Slack again), records it as alert history, and:
 * - dead-letters a target that refused it for good (a permanent 4xx) at once, with the vendor's redacted answer;
 *   that target counts as settled (a duplicate from the other Alertmanager replica does not call the vendor again)
 *   and the notification as a whole does not fail for it, so neither SQS nor Alertmanager resends it;
 * - throws a retryable DeliveryError when a target may still accept it later (5xx, 429, network, deadline), after
 *   recording what did get through.
 */
export function makeDeliverNotification(deps: DeliveryDeps): DeliverNotification {
  const enabled = (['slack', 'pagerduty', 'email'] as const).filter((t) =>
    t === 'slack' ? deps.routing.slack : t === 'pagerduty' ? deps.routing.pagerduty : deps.routing.criticalEmail,
  );
  const missing = enabled.filter((t) => !deps.notifiers[t]);
  if (missing.length > 0) throw new Error(`alert delivery: targets enabled without a notifier: ${missing.join(', ')}`);
  const now = deps.now ?? (() => new Date());
  const order = deps.order ?? memoryNotificationOrder();

  return async (notification, options = {}) => {
    const key = notificationKey(notification);
    const sentAt = options.sentAt ?? now().getTime();
    const stale: DeliveryTarget[] = [];
    const targets = deliveryTargets(notification, deps.routing).filter(
      (t) => !options.only || options.only.includes(t),
    );
    const deadLettered: { target: DeliveryTarget; answer: string }[] = [];
    const guardKey = (target: DeliveryTarget) =>
      options.redriveOf === undefined ? `${key}#${target}` : `${key}#${target}#redrive@${options.redriveOf}`;
    const deliverTo = async (target: DeliveryTarget) => {
      const notifier = deps.notifiers[target] as Notifier;
      const guarded = guardKey(target);
      const parts = (part: string, send: () => Promise<void>) => deps.guard.once(`${guarded}#${part}`, send);
      // A notification older than the newest delivered for its group (a late retry, a redriven dead letter) is not
      // sent: it would reopen or close the group against what the target already shows.
      // Thrown, not returned: the guard must not remember a stale copy as delivered (a copy of the same notification
      // sent later, by the other Alertmanager replica, may still be owed to the target).
      const orderKey = notificationOrderKey(notification, target);
      if (!(await order.advance(orderKey, sentAt))) throw new StaleNotification();
      try {
        // Asked again before every retry: a newer notification of the group delivered while this one waited out a
        // 5xx or a Retry-After must not be overtaken by it.
        await deps.retry.deliver(notifier, notification, parts, () => order.advance(orderKey, sentAt));
      } catch (error) {
        if (error instanceof Superseded) throw new StaleNotification(error.message);
        const permanent = error instanceof DeliveryError && !error.retryable;
        if (!permanent && !options.lastAttempt) throw error;
        // Permanent, or out of receives: record it now, naming the target (a failed write throws, so the
        // notification is retried or moved by the queue, not lost).
        const answer = error instanceof DeliveryError ? error.answer : '';
        const reason = error instanceof Error ? error.message : String(error);
        await deps.deadLetters.put({
          key,
          target,
          receiver: notification.receiver,
          status: notification.status,
          attempts: error instanceof DeliveryError ? error.attempts : 0,
          reason: permanent ? reason : `retries used up (last receive): ${reason}`,
          answer,
          at: now().toISOString(),
          notification,
          sentAt,
        });
        deadLettered.push({ target, answer });
      }
    };
    const settled = await Promise.allSettled(targets.map((t) => deps.guard.once(guardKey(t), () => deliverTo(t))));
    const delivered: DeliveryTarget[] = [];
    const duplicates: DeliveryTarget[] = [];
    const failures: { target: DeliveryTarget; error: unknown }[] = [];
    settled.forEach((s, i) => {
      const target = targets[i] as DeliveryTarget;
      if (s.status === 'rejected' && s.reason instanceof StaleNotification) stale.push(target);
      else if (s.status === 'rejected') failures.push({ target, error: s.reason });
      else if (!s.value) duplicates.push(target);
      else if (!deadLettered.some((d) => d.target === target)) delivered.push(target);
    });
    const at = now();
    const historyKey = alertHistoryKey(at, key);
    // Only a fresh delivery is recorded: a duplicate's record was written by the first copy.
    const fresh = delivered.length > 0 || deadLettered.length > 0;
    if (fresh || (failures.length > 0 && duplicates.length === 0) || targets.length === 0) {
      await deps.history.put(historyKey, alertHistoryRecord(notification, [...duplicates, ...delivered], at));
    }
    const summary = {
      key,
      receiver: notification.receiver,
      status: notification.status,
      alerts: notification.alerts.length,
      delivered,
      duplicates,
      ...(stale.length > 0 ? { stale } : {}),
      deadLettered: deadLettered.map((d) => d.target),
    };
    if (deadLettered.length > 0) {
      deps.logger.error('alert delivery refused for good: dead-lettered, not retried', {
        ...summary,
        answers: deadLettered,
      });
    }
    if (failures.length > 0) {
      const messages = failures.map((f) => (f.error instanceof Error ? f.error.message : String(f.error)));
      deps.logger.error('alert delivery failed', { ...summary, failures: messages });
      // Only retryable failures are left here: permanent ones were dead-lettered above.
      throw new DeliveryError(`delivery failed: ${messages.join('; ')}`, true, 0);
    }
    if (stale.length > 0) {
      deps.logger.info('stale notification not sent: a newer one of its group was delivered', summary);
    } else if (deadLettered.length === 0) deps.logger.info('alert delivered', summary);
    return { key, targets, delivered, duplicates, stale, deadLettered, historyKey };
  };
}

/**
 * The queue consumer: each SQS record holds one validated notification (the webhook's JSON). A permanent refusal
 * was dead-lettered by `deliver` and does not fail the record (it is not rethrown, so not received again); records
 * that failed retryably are reported as batch item failures, so only they are retried and, after
 * maxReceiveCount, go to the DLQ by the queue's redrive policy.
 */
export function makeDeliveryHandler(
  deliver: DeliverNotification,
  hooks: {
    beforeBatch?: (context: Context) => void;
    /** Brings a failed record back after redelivery.ts's delay rather than the queue's visibility timeout. */
    delayRetry?: RetryDelay;
    logger?: ErrorLogger;
    /** The queue's maxReceiveCount: on that receive a failing target is dead-lettered by name. @default none */
    maxReceiveCount?: number;
  } = {},
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    hooks.beforeBatch?.(context);
    const processor = new BatchProcessor(EventType.SQS);
    const recordHandler = async (record: SQSRecord) => {
      // A dead letter redriven from the DLQ carries the target that refused it (sqsDeadLetterStore): deliver it
      // to that target only, not again to those that accepted it.
      const target = record.messageAttributes?.[DEAD_LETTER_TARGET_ATTRIBUTE]?.stringValue;
      const only = DELIVERY_TARGETS.find((t) => t === target);
      const redriveOf = only ? record.messageAttributes?.[DEAD_LETTERED_AT_ATTRIBUTE]?.stringValue : undefined;
      const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      try {
        // The webhook's stamp survives a redrive; SQS's own SentTimestamp does not (a redrive gives a new one).
        const sentAt = Number(
          record.messageAttributes?.[SENT_AT_ATTRIBUTE]?.stringValue ?? record.attributes?.SentTimestamp,
        );
        await deliver(parseNotificationText(record.body), {
          ...(only ? { only: [only] } : {}),
          ...(Number.isFinite(sentAt) ? { sentAt } : {}),
          ...(redriveOf ? { redriveOf } : {}),
          ...(hooks.maxReceiveCount !== undefined && receiveCount >= hooks.maxReceiveCount
            ? { lastAttempt: true }
            : {}),
        });
      } catch (error) {
        // Every record that throws is received again: soon (a page must not wait 12 minutes for a PagerDuty 5xx),
        // later with each receive. If that call fails, the queue's visibility timeout still brings it back.
        const seconds = retryDelaySeconds(Number(record.attributes?.ApproximateReceiveCount ?? 1));
        await hooks.delayRetry?.(record, seconds).catch((delayError: unknown) =>
          hooks.logger?.warn('could not shorten the wait before the retry; the queue visibility timeout applies', {
            messageId: record.messageId,
            error: delayError instanceof Error ? delayError.message : String(delayError),
          }),
        );
        throw error;
      }
    };
    return processPartialResponse(event, recordHandler, processor, { context });
  };
}
