import { formatSlackMessages } from '../../domain/alerts/slack';
import type { HttpNotifierOptions, Notifier, SecretSource } from './notifier';
import { postJson, SYSTEM_CLOCK, withRetry } from './retry';

/**
 * Slack incoming webhook. Messages of one notification are sent in order; a 429 waits for Retry-After (Slack
 * allows about one message per second per webhook) instead of giving up as Alertmanager does (#2111).
 */
export function slackNotifier(webhookUrl: SecretSource, options: HttpNotifierOptions = {}): Notifier {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const fetchFn = options.fetch ?? fetch;
  return {
    target: 'slack',
    async notify(notification, parts) {
      const url = await webhookUrl();
      const messages = formatSlackMessages(notification);
      for (const [i, message] of messages.entries()) {
        const send = async () => {
          const { attempts } = await withRetry(
            `slack message ${i + 1}/${messages.length}`,
            () => postJson(fetchFn, url, JSON.stringify(message), [url], clock),
            { policy: options.policy, clock, logger: options.logger },
          );
          options.logger?.info('slack: message delivered', { part: i + 1, of: messages.length, attempts });
        };
        // Only a multi-message notification has parts worth remembering one by one.
        if (parts && messages.length > 1) await parts(`message-${i + 1}-of-${messages.length}`, send);
        else await send();
      }
    },
  };
}
