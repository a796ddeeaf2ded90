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
  // The most alerts that fit: sizes grow with the count, so a binary search over it.
  let low = 0;
  let high = ordered.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (size(cut(mid)) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  if (low === 0) return undefined;
  return { notification: cut(low), left: ordered.length - low };
}
