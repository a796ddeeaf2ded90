import { pagerDutyEvent } from '../../domain/alerts/pagerduty';
import { postJsonOnce } from './http';
import type { HttpNotifierOptions, Notifier, SecretSource } from './notifier';

/** PagerDuty's Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/**
 * PagerDuty Events API v2: one event per notification (trigger while firing, resolve once resolved, same dedup
 * key for both). PagerDuty documents 202 accepted, 400 "do not retry", 429 and 5xx retry
 * (developer.pagerduty.com/docs/events-api-v2/overview), which is what the shared classification does. The
 * routing key is redacted from every answer.
 */
export function pagerDutyNotifier(
  routingKey: SecretSource,
  options: HttpNotifierOptions & { readonly eventsUrl?: string } = {},
): Notifier {
  const fetchFn = options.fetch ?? fetch;
  const url = options.eventsUrl ?? PAGERDUTY_EVENTS_URL;
  return {
    target: 'pagerduty',
    async requests(notification) {
      const key = await routingKey();
      const event = pagerDutyEvent(notification);
      const body = JSON.stringify({ routing_key: key, ...event });
      return [
        { name: `pagerduty ${event.event_action}`, send: () => postJsonOnce(fetchFn, url, body, [key], options.now) },
      ];
    },
  };
}
