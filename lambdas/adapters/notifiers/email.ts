import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { formatEmail } from '../../domain/alerts/email';
import type { Notifier } from './notifier';
import {
  type AttemptOutcome,
  type NotifierLogger,
  parseRetryAfter,
  type RetryClock,
  type RetryPolicy,
  redact,
  SYSTEM_CLOCK,
  withRetry,
} from './retry';

/**
 * Classifies an SNS SDK error with the shared policy: throttling (429, honouring a Retry-After header when the
 * response has one) and 5xx retry, other 4xx are permanent. The reason names the HTTP status and error name.
 */
export function classifySnsError(error: unknown, secrets: readonly string[], now = Date.now()): AttemptOutcome {
  const e = error as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    $response?: { headers?: Record<string, string | undefined> };
  };
  const status = e.$metadata?.httpStatusCode;
  const reason = redact(`HTTP ${status ?? '(none)'} ${e.name ?? 'Error'}: ${e.message ?? ''}`.slice(0, 200), secrets);
  if (status === 429 || /^Throttl/.test(e.name ?? '')) {
    return { kind: 'retry', reason, retryAfterMs: parseRetryAfter(e.$response?.headers?.['retry-after'], now) };
  }
  if (status === undefined || status >= 500 || e.$retryable) return { kind: 'retry', reason };
  return { kind: 'permanent', reason };
}

/**
 * Critical-alert email through an SNS topic (email subscriptions get the plain-text body). The SDK's own retries
 * are off in the client we are given; the shared policy retries instead, so all notifiers behave the same.
 */
export function emailNotifier(
  sns: SNSClient,
  topicArn: string,
  options: { policy?: RetryPolicy; clock?: RetryClock; logger?: NotifierLogger } = {},
): Notifier {
  const clock = options.clock ?? SYSTEM_CLOCK;
  return {
    target: 'email',
    async notify(notification) {
      const email = formatEmail(notification);
      const { attempts } = await withRetry(
        'email',
        async () => {
          try {
            await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: email.subject, Message: email.body }));
            return { kind: 'delivered' };
          } catch (error) {
            return classifySnsError(error, [topicArn], clock.now());
          }
        },
        { policy: options.policy, clock, logger: options.logger },
      );
      options.logger?.info('email: published', { attempts });
    },
  };
}
