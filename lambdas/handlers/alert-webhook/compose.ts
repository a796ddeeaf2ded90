import type { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { previousSecretSource, secretsManagerSource } from '../../adapters/secrets-manager';
import type { alertWebhookEnv } from '../../contracts/alert-webhook';
import type { EnvValues } from '../../contracts/env';
import { SENT_AT_ATTRIBUTE } from '../../domain/alerts/ordering';
import { makeWebhookHandler, type WebhookDeps } from './handler';

/**
 * What differs between the Lambda and `npm run local -- alerts`: where the token comes from (Secrets Manager, or
 * the flags), where an accepted notification goes (the delivery queue, or the delivery function in-process), the log.
 */
export type WebhookParts = WebhookDeps;

/** The webhook's object graph, shared by the Lambda and `npm run local -- alerts`. */
export function composeAlertWebhookWith(parts: WebhookParts) {
  return makeWebhookHandler(parts);
}

/** The webhook in AWS: token from Secrets Manager, accepted notifications to the delivery queue. */
export function composeAlertWebhook(env: EnvValues<typeof alertWebhookEnv.variables>, logger: Logger) {
  const sqs = new SQSClient({});
  return composeAlertWebhookWith({
    token: secretsManagerSource(env.tokenSecretName),
    previousToken: previousSecretSource(env.tokenSecretName),
    accept: async (_notification, body) => {
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: env.deliveryQueueUrl,
          MessageBody: body,
          // When it was taken, kept through retries and redrives: its group's order (ordering.ts).
          MessageAttributes: { [SENT_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(Date.now()) } },
        }),
      );
      return { messageId: sent.MessageId };
    },
    logger,
  });
}
