import { formatSlackMessages } from '../../domain/alerts/slack';
import { postJsonOnce } from './http';
import type { HttpNotifierOptions, Notifier, SecretSource } from './notifier';

/**
 * Slack incoming webhook: one request per message of the notification, sent in order. The webhook URL is the
 * credential (its `/services/T…/B…/<token>` path), so every part of it is redacted from answers. A 429 is
 * classified `retry` with its Retry-After (Slack allows about one message per second per webhook), not given up
 * as Alertmanager does (#2111).
 */
export function slackNotifier(webhookUrl: SecretSource, options: HttpNotifierOptions = {}): Notifier {
  const fetchFn = options.fetch ?? fetch;
  return {
    target: 'slack',
    async requests(notification) {
      const url = await webhookUrl();
      const messages = formatSlackMessages(notification);
      return messages.map((message, i) => ({
        name: `slack message ${i + 1}/${messages.length}`,
        // Only a multi-message notification has parts worth remembering one by one.
        part: messages.length > 1 ? `message-${i + 1}-of-${messages.length}` : undefined,
        send: () => postJsonOnce(fetchFn, url, JSON.stringify(message), [url], options.now),
      }));
    },
  };
}
