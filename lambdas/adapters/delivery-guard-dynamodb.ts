import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { DeliveryGuard } from './delivery-guard';

/**
 * The delivery guard in AWS: Powertools idempotency over a DynamoDB table (partition key `id`, TTL attribute
 * `expiration`). A concurrent duplicate gets IdempotencyAlreadyInProgressError, so its SQS record is retried and
 * then finds the completed record.
 */
export function dynamoDbDeliveryGuard(options: {
  readonly tableName: string;
  readonly ttlSeconds: number;
  readonly client?: DynamoDBClient;
}): DeliveryGuard & { registerLambdaContext(context: Context): void } {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    ...(options.client ? { awsSdkV3Client: options.client } : {}),
  });
  const config = new IdempotencyConfig({ expiresAfterSeconds: options.ttlSeconds, eventKeyJmesPath: 'key' });
  const idempotent = makeIdempotent(
    async (_input: { key: string }, deliver: () => Promise<void>, ran: { value: boolean }) => {
      await deliver();
      ran.value = true;
      return { delivered: true };
    },
    { persistenceStore, config },
  );
  return {
    registerLambdaContext: (context) => config.registerLambdaContext(context),
    async once(key, deliver) {
      const ran = { value: false };
      await idempotent({ key }, deliver, ran);
      return ran.value;
    },
  };
}
