import { largestFitting } from '../largest-fitting';
import type { AlertNotification } from './model';

/**
 * The notification cut to at most `maxBytes` of JSON (one queue message), as Alertmanager's `max_alerts` would cut
 * it: alerts left out are counted in `truncatedAlerts`, which every target reports ("N more alerts"). Firing alerts
 * are kept before resolved ones, each in its order. Undefined when not even one alert fits; the notification
 * itself when it fits whole.
 */
export function fitNotification(
  notification: AlertNotification,
  maxBytes: number,
): { readonly notification: AlertNotification; readonly left: number } | undefined {
  const size = (n: AlertNotification) => Buffer.byteLength(JSON.stringify(n));
  if (size(notification) <= maxBytes) return { notification, left: 0 };
  const ordered = [
    ...notification.alerts.filter((a) => a.status === 'firing'),
    ...notification.alerts.filter((a) => a.status !== 'firing'),
  ];
  const cut = (kept: number): AlertNotification => ({
    ...notification,
    alerts: ordered.slice(0, kept),
    truncatedAlerts: notification.truncatedAlerts + ordered.length - kept,
  });
  // The most alerts that fit (sizes grow with the count); all of them did not.
  const low = largestFitting(ordered.length - 1, (kept) => size(cut(kept)) <= maxBytes);
  if (low === 0) return undefined;
  return { notification: cut(low), left: ordered.length - low };
}
