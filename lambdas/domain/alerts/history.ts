import { datePartition, REPORT_PREFIXES } from '../report-keys';
import type { AlertNotification, AlertStatus } from './model';
import type { DeliveryTarget } from './routing';

/**
 * One notification as recorded in the reports bucket (`alert-history/<yyyy>/<mm>/<dd>/<key>.json`), read by the
 * weekly summary. One record per notification, firing or resolved.
 */
export interface AlertHistoryRecord {
  readonly receiver: string;
  readonly status: AlertStatus;
  readonly groupKey: string;
  readonly alerts: readonly {
    readonly name: string;
    /** The `severity` label, `''` when absent. */
    readonly severity: string;
    readonly status: AlertStatus;
    readonly startsAt: string;
    /** `0001-01-01T00:00:00Z` while firing. */
    readonly endsAt: string;
    readonly fingerprint: string;
  }[];
  /** Alerts Alertmanager left out of the notification (`max_alerts`). */
  readonly truncatedAlerts: number;
  /** The targets that accepted the notification. */
  readonly deliveredTo: readonly DeliveryTarget[];
  /** When it was delivered, ISO 8601. */
  readonly at: string;
}

export function alertHistoryRecord(
  notification: AlertNotification,
  deliveredTo: readonly DeliveryTarget[],
  at: Date,
): AlertHistoryRecord {
  return {
    receiver: notification.receiver,
    status: notification.status,
    groupKey: notification.groupKey,
    alerts: notification.alerts.map((a) => ({
      name: a.labels.alertname ?? '',
      severity: a.labels.severity ?? '',
      status: a.status,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      fingerprint: a.fingerprint,
    })),
    truncatedAlerts: notification.truncatedAlerts,
    deliveredTo: [...deliveredTo],
    at: at.toISOString(),
  };
}

/**
 * Object key of a record: date partition of delivery, then time and the notification key, so a duplicate
 * delivery of the same notification overwrites its record instead of adding one.
 */
export function alertHistoryKey(at: Date, notificationKey: string): string {
  return `${REPORT_PREFIXES.alertHistory}${datePartition(at)}/${notificationKey}.json`;
}
