import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRepairJournal } from '../../adapters/dynamodb-repair-journal';
import { pushgatewayReplica } from '../../adapters/pushgateway';
import { type PushEnvironment, replicaName } from './env';

/** What both push functions (ingest and repair) are built from in AWS: replicas, the DynamoDB journal, a logger. */
export function pushDependencies(env: PushEnvironment, logger: Logger) {
  return {
    replicas: env.pushgatewayUrls.map((url, i) => pushgatewayReplica(replicaName(i), url, { timeoutMs: 3000 })),
    journal: new DynamoDbRepairJournal(DynamoDBDocumentClient.from(new DynamoDBClient({})), env.journalTable),
    logger: {
      info: (message: string, extra: Record<string, unknown> = {}) => logger.info(message, extra),
      warn: (message: string, extra: Record<string, unknown> = {}) => logger.warn(message, extra),
      error: (message: string, extra: Record<string, unknown> = {}) => logger.error(message, extra),
    },
  };
}
