import type { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { secretsManagerSource } from '../../adapters/secrets-manager';
import type { alertWebhookEnv } from '../../contracts/alert-webhook';
import type { EnvValues } from '../../contracts/env';
import { makeWebhookHandler } from './handler';

/** The webhook's object graph in AWS: token from Secrets Manager, accepted notifications to the delivery queue. */
export function composeAlertWebhook(env: EnvValues<typeof alertWebhookEnv.variables>, logger: Logger) {
  const sqs = new SQSClient({});
  return makeWebhookHandler({
    token: secretsManagerSource(env.tokenSecretName),
    accept: async (_notification, body) => {
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl: env.deliveryQueueUrl, MessageBody: body }));
      return { messageId: sent.MessageId };
    },
    logger,
  });
}
