import { createHash } from 'node:crypto';
import type { AlertNotification } from './model';
import type { DeliveryTarget } from './routing';

/**
 * The moment a notification describes, from its content: the newest of its firing alerts' starts and resolved
 * alerts' ends (epoch ms). Both Alertmanager replicas' copies give the same; a re-send of an unchanged group at
 * `repeat_interval` gives the same as the first; a later change (an alert resolving, or firing again after it
 * resolved) gives a later one. So a notification older than one already delivered for its group is stale: a retry
 * that SQS brought back late, or a dead letter redriven days later. Delivered anyway, a stale `firing` would open a
 * PagerDuty incident after its resolve closed the last one ("any further events with the same dedup_key will create
 * a new alert", Events API v2), and a stale `resolved` would close an incident that fired again.
 */
export function notificationEventTime(notification: AlertNotification): number {
  let newest = Number.NEGATIVE_INFINITY;
  for (const alert of notification.alerts) {
    const at = Date.parse(alert.status === 'resolved' ? alert.endsAt : alert.startsAt);
    if (Number.isFinite(at) && at > newest) newest = at;
  }
  return newest;
}

/** The key under which the newest delivered notification of a group is remembered, per target. */
export function notificationOrderKey(notification: AlertNotification, target: DeliveryTarget): string {
  const group = createHash('sha256')
    .update(JSON.stringify([notification.receiver, notification.groupKey]))
    .digest('hex');
  return `order#${group}#${target}`;
}

/** How long a group's newest delivery is remembered: longer than a dead letter stays in its queue (14 days). */
export const ORDER_TTL_SECONDS = 30 * 86_400;
