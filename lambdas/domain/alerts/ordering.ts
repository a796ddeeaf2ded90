import { createHash } from 'node:crypto';
import type { AlertNotification } from './model';
import type { DeliveryTarget } from './routing';

/**
 * Notifications of one group reach a target in the order Alertmanager sent them: each carries the moment the webhook
 * took it (the `sentAt` message attribute, epoch ms, copied onto a dead letter so a redrive keeps it: SQS gives a
 * redriven message a new `SentTimestamp`; the receive time locally, where delivery is in-process), and one older
 * than the newest attempted for its group and target is stale: a retry SQS brought back late, or a dead letter
 * redriven days later. Delivered anyway, a stale `firing` would open a PagerDuty incident after its resolve closed
 * the last one ("any further events with the same dedup_key will create a new alert", Events API v2), and a stale
 * `resolved` would close an incident that fired again. Not the alerts' own times: once a resolved alert leaves its
 * group, the group's next repeat carries only older starts, and would be taken for stale.
 */
export const SENT_AT_ATTRIBUTE = 'sentAt';

/** The key under which the newest delivered notification of a group is remembered, per target. */
export function notificationOrderKey(notification: AlertNotification, target: DeliveryTarget): string {
  const group = createHash('sha256')
    .update(JSON.stringify([notification.receiver, notification.groupKey]))
    .digest('hex');
  return `order#${group}#${target}`;
}

/** How long a group's newest delivery is remembered: longer than a dead letter stays in its queue (14 days). */
export const ORDER_TTL_SECONDS = 30 * 86_400;
