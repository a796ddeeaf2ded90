import { createHash } from 'node:crypto';
import type { AlertNotification } from './model';

/**
 * How long a delivered notification is remembered: longer than SQS can redeliver it (redelivery.ts: five receives,
 * at worst the 12-minute visibility timeout each, one hour), so a record retried for a PagerDuty 5xx does not post
 * to Slack again, and shorter than Alertmanager's `repeat_interval` (4h), the first moment it sends an unchanged
 * notification again on purpose. Both Alertmanager replicas' copies (within seconds, peer timeout 15 s) hash the
 * same; a changed group (a new, resolved or re-started alert) hashes differently and is never held back, whatever
 * `group_interval` brings it. A test holds the window between the two (alert-fanout infra test).
 */
export const IDEMPOTENCY_TTL_SECONDS = 2 * 3600;

/**
 * The window where delivery runs in-process (`npm run local -- alerts`, `npm start`): no queue redelivers there, so
 * it only has to outlast the two replicas' copies (seconds apart), and stays under the local loop's shortened
 * `repeat_interval` (1h), whose repeats must go out.
 */
export const IN_PROCESS_IDEMPOTENCY_TTL_SECONDS = 90;

/**
 * The identity of a notification: the same alerts in the same state for the same receiver and group. Two HA
 * replicas' copies hash the same; a repeat after an alert changed (new alert, resolved, new startsAt) does not.
 * Key = sha256 of (receiver, groupKey, status, sorted fingerprint|status|startsAt|endsAt-if-resolved).
 */
export function notificationKey(notification: AlertNotification): string {
  // A firing alert's endsAt is only Alertmanager's "expires at" estimate, refreshed by every Prometheus push, so the
  // two replicas can hold different values for the same alert: it counts only once the alert resolved.
  const alerts = notification.alerts
    .map((a) => `${a.fingerprint}|${a.status}|${a.startsAt}|${a.status === 'resolved' ? a.endsAt : ''}`)
    .sort();
  const identity = JSON.stringify([notification.receiver, notification.groupKey, notification.status, alerts]);
  return createHash('sha256').update(identity).digest('hex');
}

/** PagerDuty `dedup_key`: sha256 hex of the group key, as Alertmanager's own PagerDuty notifier computes it. */
export function pagerDutyDedupKey(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}
