import { pagerDutyEvent } from '../../domain/alerts/pagerduty';
import type { HttpNotifierOptions, Notifier, SecretSource } from './notifier';
import { postJson, SYSTEM_CLOCK, withRetry } from './retry';

/** PagerDuty's Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty Events API v2: trigger while firing, resolve once resolved, same dedup key for both. */
export function pagerDutyNotifier(
  routingKey: SecretSource,
  options: HttpNotifierOptions & { readonly eventsUrl?: string } = {},
): Notifier {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const fetchFn = options.fetch ?? fetch;
  const url = options.eventsUrl ?? PAGERDUTY_EVENTS_URL;
  return {
    target: 'pagerduty',
    async notify(notification) {
      const key = await routingKey();
      const event = pagerDutyEvent(notification);
      const body = JSON.stringify({ routing_key: key, ...event });
      const { attempts } = await withRetry(
        `pagerduty ${event.event_action}`,
        () => postJson(fetchFn, url, body, [key], clock),
        {
          policy: options.policy,
          clock,
          logger: options.logger,
        },
      );
      options.logger?.info('pagerduty: event accepted', {
        action: event.event_action,
        dedupKey: event.dedup_key,
        attempts,
      });
    },
  };
}
