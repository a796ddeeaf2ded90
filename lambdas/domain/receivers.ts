/**
 * Alertmanager receivers (names as in the seed's route) and what the alert fan-out delivers for each. Every
 * receiver is a webhook to the fan-out; the fan-out routes by the payload's `receiver`.
 */
export const RECEIVERS = {
  /** Seed: `match: {severity: critical}` in prod. Fan-out: PagerDuty (when enabled) + Slack (+ email if enabled). */
  pagerdutyCritical: 'pagerduty-critical',
  /** Critical alerts where PagerDuty is off (dev, staging): Slack (+ email if enabled). */
  slackCritical: 'slack-critical',
  /** Seed: `match: {severity: warning}`. Fan-out: Slack. */
  slackWarnings: 'slack-warnings',
  /** The default receiver (info and anything unmatched). Fan-out: Slack. */
  slackDefault: 'slack-default',
} as const;
export type ReceiverName = (typeof RECEIVERS)[keyof typeof RECEIVERS];

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
