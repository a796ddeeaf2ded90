import { RECEIVERS } from '../receivers';
import type { AlertNotification } from './model';

/** Where a notification can go. */
export type DeliveryTarget = 'slack' | 'pagerduty' | 'email';
export const DELIVERY_TARGETS: readonly DeliveryTarget[] = ['slack', 'pagerduty', 'email'];

/** What the environment has switched on (from the environment config). */
export interface RoutingOptions {
  readonly slack: boolean;
  readonly pagerduty: boolean;
  /** SNS email for critical alerts (`alerting.email.criticalAlerts`). */
  readonly criticalEmail: boolean;
}

const CRITICAL_RECEIVERS: readonly string[] = [RECEIVERS.pagerdutyCritical, RECEIVERS.slackCritical];

/**
 * The targets of a notification, by its `receiver` (see RECEIVERS): `pagerduty-critical` → PagerDuty (if enabled)
 * + Slack + email (if enabled); `slack-critical` → Slack + email (if enabled); every other receiver, known or not,
 * → Slack, so a receiver added to Alertmanager without the fan-out knowing it is still delivered, never dropped.
 */
export function deliveryTargets(
  notification: Pick<AlertNotification, 'receiver'>,
  options: RoutingOptions,
): DeliveryTarget[] {
  const targets: DeliveryTarget[] = [];
  const critical = CRITICAL_RECEIVERS.includes(notification.receiver);
  if (notification.receiver === RECEIVERS.pagerdutyCritical && options.pagerduty) targets.push('pagerduty');
  if (options.slack) targets.push('slack');
  if (critical && options.criticalEmail) targets.push('email');
  return targets;
}
