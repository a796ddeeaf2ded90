import type { SNSClient } from '@aws-sdk/client-sns';
import { formatEmail } from '../../domain/alerts/email';
import { snsPublisher } from '../sns-publisher';
import { vendorAnswer } from './http';
import type { Notifier } from './notifier';
import { type AttemptOutcome, parseRetryAfter } from './retry';

/**
 * Classifies an SNS SDK error like an HTTP answer: throttling (429, `Throttling*`, and `KMSThrottlingException`,
 * which @aws-sdk/client-sns models as a 400 client fault; honouring a Retry-After header when the response has one)
 * and 5xx retry, other 4xx are permanent. The reason names the HTTP status and error name; the
 * whole message is redacted before it is cut.
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
  const reason = `HTTP ${status ?? '(none)'} ${vendorAnswer(`${e.name ?? 'Error'}: ${e.message ?? ''}`, secrets)}`;
  // KMSThrottlingException (the topic's key throttled) is modelled as a 400 client fault, but it is throttling.
  if (status === 429 || /^Throttl|^KMSThrottl/.test(e.name ?? '')) {
    return { kind: 'retry', reason, retryAfterMs: parseRetryAfter(e.$response?.headers?.['retry-after'], now) };
  }
  if (status === undefined || status >= 500 || e.$retryable) return { kind: 'retry', reason };
  return { kind: 'permanent', reason };
}

/**
 * Critical-alert email through an SNS topic (email subscriptions get the plain-text body): one publish per
 * notification. The client must have the SDK's own retries off (`maxAttempts: 1`): the retry stage retries, the
 * same way for every target.
 */
export function emailNotifier(sns: SNSClient, topicArn: string, options: { now?: () => number } = {}): Notifier {
  const now = options.now ?? Date.now;
  const publisher = snsPublisher(sns, topicArn);
  return {
    target: 'email',
    async requests(notification) {
      const email = formatEmail(notification);
      return [
        {
          name: 'email',
          async send() {
            try {
              await publisher.publish(email.subject, email.body);
              return { kind: 'delivered' } as const;
            } catch (error) {
              return classifySnsError(error, [topicArn], now());
            }
          },
        },
      ];
    },
  };
}
