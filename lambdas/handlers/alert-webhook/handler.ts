import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { acceptedToken, bearerToken } from '../../adapters/bearer-token';
import type { Logger } from '../../adapters/logger';
import type { SecretSource } from '../../adapters/notifiers/notifier';
import { fitNotification } from '../../domain/alerts/fit';
import { type AlertNotification, InvalidNotificationError, parseNotificationText } from '../../domain/alerts/model';
import { SQS_MAX_MESSAGE_BYTES } from '../../domain/sqs';

/** SQS's message size limit (1 MiB): a notification that cannot be enqueued is refused, not lost silently. */
/** One queue message. */
export const MAX_NOTIFICATION_BYTES = SQS_MAX_MESSAGE_BYTES;

export interface WebhookDeps {
  /** The expected bearer token; undefined = no authentication (local runs without --token). */
  readonly token: SecretSource | undefined;
  /** The token before the last rotation, accepted while Alertmanager's file catches up. @default none */
  readonly previousToken?: () => Promise<string | undefined>;
  /** Hands the validated notification on (SQS in AWS, the delivery function locally). */
  readonly accept: (notification: AlertNotification, body: string) => Promise<Record<string, unknown>>;
  readonly logger: Logger;
}

/** What the handler reads of an API Gateway proxy event (REST v1, as the private API sends, or HTTP API v2). */
export type WebhookEvent = Pick<APIGatewayProxyEventV2, 'headers' | 'body' | 'isBase64Encoded'>;

function reply(statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  } satisfies APIGatewayProxyStructuredResultV2;
}

/**
 * POST /alerts: checks the bearer token, validates the Alertmanager v4 payload and hands it on. 401 without a
 * valid token, 400 naming the bad fields, 413 when too large to enqueue, 202 once accepted. Alertmanager's
 * webhook notifier retries 5xx answers only (prometheus/alertmanager notify/webhook/webhook.go L53-59 @01b7141f: a
 * `notify.Retrier` without RetryCodes; notify/util.go L183-207 @00c66763: `retry := statusCode/100 == 5`), so
 * these 4xx answers are final, and a failure of `accept` (a 500) is retried by the sender.
 */
export function makeWebhookHandler(deps: WebhookDeps) {
  return async (event: WebhookEvent): Promise<APIGatewayProxyStructuredResultV2> => {
    if (deps.token) {
      const header = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
      const given = bearerToken(header);
      if (given === undefined) {
        return reply(
          401,
          { error: 'missing bearer token: send "Authorization: Bearer <token>"' },
          {
            'www-authenticate': 'Bearer',
          },
        );
      }
      if (!(await acceptedToken(given, { current: deps.token, previous: deps.previousToken }))) {
        deps.logger.warn('alert webhook: invalid bearer token');
        return reply(401, { error: 'invalid bearer token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
    }
    if (!event.body)
      return reply(400, { error: 'empty body: expected an Alertmanager webhook payload (JSON, version 4)' });
    const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    let notification: AlertNotification;
    try {
      notification = parseNotificationText(body);
    } catch (error) {
      if (error instanceof InvalidNotificationError) return reply(400, { error: error.message, issues: error.issues });
      throw error;
    }
    // One queue message holds at most MAX_NOTIFICATION_BYTES. The rendered config sends every alert (max_alerts 0),
    // so a storm's group is cut here as max_alerts would cut it: Alertmanager takes a 4xx as final and would send the
    // same refused group again at every group_interval, its page never delivered.
    const fitted = fitNotification(notification, MAX_NOTIFICATION_BYTES);
    if (!fitted) {
      deps.logger.warn('alert notification refused: not even one alert fits in a queue message', {
        receiver: notification.receiver,
        alerts: notification.alerts.length,
      });
      return reply(413, {
        error: `notification of ${notification.alerts.length} alerts is over ${MAX_NOTIFICATION_BYTES} bytes even with one alert`,
      });
    }
    if (fitted.left > 0) {
      deps.logger.warn('alert notification cut to fit one queue message', {
        receiver: notification.receiver,
        alerts: notification.alerts.length,
        left: fitted.left,
      });
    }
    notification = fitted.notification;
    const compact = JSON.stringify(notification);
    const accepted = await deps.accept(notification, compact);
    deps.logger.info('alert notification accepted', {
      receiver: notification.receiver,
      status: notification.status,
      alerts: notification.alerts.length,
    });
    return reply(202, { status: 'accepted', ...accepted });
  };
}
