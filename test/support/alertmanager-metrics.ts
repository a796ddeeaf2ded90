/** What an Alertmanager's /metrics says about its webhook notifications (Alertmanager 0.25 metric names). */
export interface WebhookNotificationStats {
  /** Notifications the pipeline started (`alertmanager_notifications_total`, counted before the first attempt). */
  readonly started: number;
  /** Notifications given up on (`alertmanager_notifications_failed_total`). */
  readonly failed: number;
  /** Attempts that returned (`alertmanager_notification_requests_total`). */
  readonly requests: number;
  /** Attempts that failed (`alertmanager_notification_requests_failed_total`). */
  readonly failedRequests: number;
}

function sample(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes('integration="webhook"')) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

export async function webhookNotificationStats(alertmanagerUrl: string): Promise<WebhookNotificationStats> {
  const r = await fetch(`${alertmanagerUrl}/metrics`);
  if (r.status !== 200) throw new Error(`Alertmanager /metrics answered ${r.status}`);
  const text = await r.text();
  return {
    started: sample(text, 'alertmanager_notifications_total'),
    failed: sample(text, 'alertmanager_notifications_failed_total'),
    requests: sample(text, 'alertmanager_notification_requests_total'),
    failedRequests: sample(text, 'alertmanager_notification_requests_failed_total'),
  };
}

/**
 * Throws unless the Alertmanager has started at least `atLeast` webhook notifications since `base` and every
 * notification it started has been answered with success: each successful notification ends in exactly one
 * successful attempt, so started − failed = requests − failed requests. Once this holds, nothing it sent is still
 * in flight, and a notification logged as sent is not sent again before repeat_interval.
 */
export async function assertWebhookSettled(
  alertmanagerUrl: string,
  base: WebhookNotificationStats,
  atLeast: number,
): Promise<WebhookNotificationStats> {
  const now = await webhookNotificationStats(alertmanagerUrl);
  const started = now.started - base.started;
  const succeeded = now.requests - now.failedRequests - (base.requests - base.failedRequests);
  if (started < atLeast)
    throw new Error(`${alertmanagerUrl}: ${started} webhook notifications started, want ${atLeast}`);
  if (succeeded !== started - (now.failed - base.failed)) {
    throw new Error(`${alertmanagerUrl}: ${started} started, ${succeeded} succeeded: still in flight`);
  }
  return now;
}
