import { largestFitting } from '../largest-fitting';
import { pagerDutyDedupKey } from './idempotency';
import {
  PAGERDUTY_MAX_EVENT_BYTES,
  PAGERDUTY_MAX_SUMMARY,
  PAGERDUTY_ROUTING_KEY_LENGTH,
  truncateChars,
  utf8Length,
} from './limits';
import { type AlertNotification, alertsWithStatus, notificationTitle } from './model';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** A PagerDuty Events API v2 event without its `routing_key` (the notifier adds the secret). */
export type PagerDutyEvent =
  | {
      readonly event_action: 'trigger';
      readonly dedup_key: string;
      readonly payload: {
        readonly summary: string;
        readonly source: string;
        readonly severity: PagerDutySeverity;
        readonly timestamp?: string;
        readonly group?: string;
        readonly class?: string;
        readonly custom_details: Record<string, unknown>;
      };
      readonly links: readonly { readonly href: string; readonly text: string }[];
      readonly client: string;
      readonly client_url?: string;
    }
  | { readonly event_action: 'resolve'; readonly dedup_key: string };

const SEVERITY_MAP: Readonly<Record<string, PagerDutySeverity>> = {
  critical: 'critical',
  error: 'error',
  warning: 'warning',
  info: 'info',
};
/** Links per event: enough for every distinct runbook and source of a group, without bloating the page. */
const MAX_LINKS = 10;

/** The `severity` label mapped to PagerDuty's four values; anything else is `error` (Alertmanager's default). */
export function pagerDutySeverity(label: string | undefined): PagerDutySeverity {
  return (label !== undefined && SEVERITY_MAP[label.toLowerCase()]) || 'error';
}

/** Size of the event once the notifier adds `routing_key`. */
export function pagerDutyEventBytes(event: PagerDutyEvent): number {
  return utf8Length(JSON.stringify({ routing_key: 'x'.repeat(PAGERDUTY_ROUTING_KEY_LENGTH), ...event }));
}

/**
 * The PagerDuty event of a notification: `trigger` while the group fires, `resolve` once it resolved, with the
 * group's dedup key (sha256 of groupKey, as Alertmanager) so the resolve closes the incident the trigger opened.
 * Summary ≤ 1024 chars; links to runbooks and generator URLs; custom details trimmed so the event stays ≤ 512 KB.
 */
export function pagerDutyEvent(notification: AlertNotification): PagerDutyEvent {
  const dedup_key = pagerDutyDedupKey(notification.groupKey);
  if (notification.status === 'resolved') return { event_action: 'resolve', dedup_key };

  const firing = alertsWithStatus(notification, 'firing');
  const resolved = alertsWithStatus(notification, 'resolved');
  const common = notification.commonAnnotations.summary ?? firing[0]?.annotations.summary;
  const summary = truncateChars(
    common ? `${notificationTitle(notification)}: ${common}` : notificationTitle(notification),
    PAGERDUTY_MAX_SUMMARY,
  );
  const links: { href: string; text: string }[] = [];
  const seen = new Set<string>();
  for (const alert of notification.alerts) {
    const candidates = [
      { href: alert.annotations.runbook_url, text: `Runbook: ${alert.labels.alertname ?? 'alert'}` },
      { href: alert.generatorURL, text: `Source: ${alert.labels.alertname ?? 'alert'}` },
    ];
    for (const c of candidates) {
      if (c.href && /^https?:\/\//.test(c.href) && !seen.has(c.href) && links.length < MAX_LINKS) {
        seen.add(c.href);
        links.push({ href: c.href, text: c.text });
      }
    }
  }
  const alertDetails = notification.alerts.map((a) => ({
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    ...(a.status === 'resolved' ? { endsAt: a.endsAt } : {}),
  }));
  const base = {
    event_action: 'trigger' as const,
    dedup_key,
    links,
    client: 'Alertmanager (GreenLang fan-out)',
    ...(/^https?:\/\//.test(notification.externalURL) ? { client_url: notification.externalURL } : {}),
  };
  const payload = {
    summary,
    source: notification.commonLabels.cluster ?? notification.commonLabels.instance ?? 'alertmanager',
    severity: pagerDutySeverity(notification.commonLabels.severity ?? firing[0]?.labels.severity),
    ...(firing[0] ? { timestamp: firing[0].startsAt } : {}),
    ...(notification.commonLabels.service ? { group: notification.commonLabels.service } : {}),
    ...(notification.commonLabels.alertname ? { class: notification.commonLabels.alertname } : {}),
  };
  const build = (kept: number): PagerDutyEvent => ({
    ...base,
    payload: {
      ...payload,
      custom_details: {
        num_firing: firing.length,
        num_resolved: resolved.length,
        group_labels: notification.groupLabels,
        common_labels: notification.commonLabels,
        common_annotations: notification.commonAnnotations,
        alerts: alertDetails.slice(0, kept),
        ...(kept < alertDetails.length || notification.truncatedAlerts > 0
          ? { alerts_omitted: alertDetails.length - kept + notification.truncatedAlerts }
          : {}),
      },
    },
  });

  let event = build(alertDetails.length);
  if (pagerDutyEventBytes(event) <= PAGERDUTY_MAX_EVENT_BYTES) return event;
  // Keep as many alerts as fit: the largest prefix under the limit (size grows with the prefix).
  event = build(
    largestFitting(alertDetails.length - 1, (kept) => pagerDutyEventBytes(build(kept)) <= PAGERDUTY_MAX_EVENT_BYTES),
  );
  if (pagerDutyEventBytes(event) <= PAGERDUTY_MAX_EVENT_BYTES) return event;
  // Even the common parts are too big (huge common annotations): send only counts.
  return {
    ...base,
    payload: {
      ...payload,
      custom_details: {
        num_firing: firing.length,
        num_resolved: resolved.length,
        alerts_omitted: alertDetails.length + notification.truncatedAlerts,
        note: 'details too large for PagerDuty (512 KB); see Alertmanager',
      },
    },
  };
}
