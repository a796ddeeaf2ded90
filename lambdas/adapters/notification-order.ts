import { ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

/**
 * The newest notification delivered per (group, target) (domain/alerts/ordering.ts): `advance` records `at` unless a
 * newer one was recorded, and says whether it did (false: the notification is stale, do not deliver it).
 */
export interface NotificationOrder {
  advance(key: string, at: number): Promise<boolean>;
}

/** In memory (local runs, tests): the same semantics as the DynamoDB one, per process. */
export function memoryNotificationOrder(): NotificationOrder {
  const newest = new Map<string, number>();
  return {
    async advance(key, at) {
      const known = newest.get(key);
      if (known !== undefined && known > at) return false;
      newest.set(key, at);
      return true;
    },
  };
}

/**
 * In the fan-out's DynamoDB table (partition key `id`, TTL attribute `expiration`, beside the delivery guard's
 * items): one conditional update, so of two deliveries racing for a group the older cannot overwrite the newer.
 */
export function dynamoDbNotificationOrder(options: {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly ttlSeconds: number;
  readonly now?: () => number;
}): NotificationOrder {
  const now = options.now ?? Date.now;
  return {
    async advance(key, at) {
      try {
        await options.client.send(
          new UpdateItemCommand({
            TableName: options.tableName,
            Key: { id: { S: key } },
            UpdateExpression: 'SET #at = :at, #expiration = :expiration',
            ConditionExpression: 'attribute_not_exists(#at) OR #at <= :at',
            ExpressionAttributeNames: { '#at': 'eventTime', '#expiration': 'expiration' },
            ExpressionAttributeValues: {
              ':at': { N: String(at) },
              ':expiration': { N: String(Math.floor(now() / 1000) + options.ttlSeconds) },
            },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
