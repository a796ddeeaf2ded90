import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGroupStore } from '../../adapters/dynamodb-group-store';
import type { PushRepairEnv } from '../../contracts/push-repair';
import { needsRepair } from '../../domain/group-sync';
import { type PushParts, pushgatewayReplicas, syncTiming } from './compose';

/** How long the functions wait for a replica. */
export const REPLICA_TIMEOUT_MS = 3000;

/** What both push functions are built from in AWS: replicas, the DynamoDB store, the Powertools logger. */
export function pushPartsInAws(env: PushRepairEnv, logger: Logger): PushParts {
  const replicas = pushgatewayReplicas(env.pushgatewayUrls, REPLICA_TIMEOUT_MS, env.pushgatewayCa);
  const names = replicas.map((r) => r.name);
  return {
    replicas,
    store: new DynamoDbGroupStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), env.groupStoreTable, (entry) =>
      needsRepair(entry, names),
    ),
    timing: syncTiming(REPLICA_TIMEOUT_MS),
    logger,
  };
}
