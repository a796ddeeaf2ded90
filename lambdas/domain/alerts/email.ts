import { SNS_MAX_MESSAGE_BYTES, snsSubject } from '../sns';
import { truncateBytes } from './limits';
import { type AlertNotification, alertsWithStatus, notificationTitle } from './model';

/** An SNS email: subject ≤ 100 printable ASCII characters without newlines, plain-text body ≤ 256 KB. */
export interface EmailMessage {
  readonly subject: string;
  readonly body: string;
}

/** An alert email's subject: printable ASCII (others become `?`), one line, ≤ 100 characters, never empty. */
export function emailSubject(text: string): string {
  return snsSubject(text, { fallback: 'Alert' });
}

function alertLines(notification: AlertNotification, status: 'firing' | 'resolved'): string[] {
  return alertsWithStatus(notification, status).flatMap((a) => [
    `- ${a.labels.alertname ?? '(no alertname)'} [${a.labels.severity ?? 'no severity'}] since ${a.startsAt}${
      status === 'resolved' ? `, resolved ${a.endsAt}` : ''
    }`,
    ...(a.annotations.summary ? [`  ${a.annotations.summary}`] : []),
    ...(a.annotations.description ? [`  ${a.annotations.description}`] : []),
    `  labels: ${Object.entries(a.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    ...(a.annotations.runbook_url ? [`  runbook: ${a.annotations.runbook_url}`] : []),
    ...(a.generatorURL ? [`  source: ${a.generatorURL}`] : []),
  ]);
}

/** The critical-alert email of a notification. */
export function formatEmail(notification: AlertNotification): EmailMessage {
  const title = notificationTitle(notification);
  const firing = alertLines(notification, 'firing');
  const resolved = alertLines(notification, 'resolved');
  const body = [
    `${title} (receiver ${notification.receiver})`,
    '',
    ...(firing.length > 0 ? ['Firing:', ...firing, ''] : []),
    ...(resolved.length > 0 ? ['Resolved:', ...resolved, ''] : []),
    ...(notification.truncatedAlerts > 0
      ? [`${notification.truncatedAlerts} more alerts were not sent by Alertmanager (max_alerts).`, '']
      : []),
    ...(notification.externalURL ? [`Alertmanager: ${notification.externalURL}`] : []),
  ].join('\n');
  return {
    subject: emailSubject(`[${notification.status === 'firing' ? 'ALERT' : 'OK'}] ${title}`),
    body: truncateBytes(body, SNS_MAX_MESSAGE_BYTES),
  };
}
