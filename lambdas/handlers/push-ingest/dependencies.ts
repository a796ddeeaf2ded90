import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGroupStore } from '../../adapters/dynamodb-group-store';
import { secretsManagerSource } from '../../adapters/secrets-manager';
import type { PushRepairEnv } from '../../contracts/push-repair';
import { readCredentials } from '../../domain/basic-credentials';
import { needsRepair } from '../../domain/group-sync';
import { type PushParts, pushgatewayReplicas, syncTiming } from './compose';

/** How long the functions wait for a replica. */
export const REPLICA_TIMEOUT_MS = 3000;

/**
 * What both push functions are built from in AWS: replicas (with the credentials they admit, read from Secrets
 * Manager at the first invocation and again, at most once a minute, after a replica refuses them), the DynamoDB
 * store, the Powertools logger.
 */
export async function pushPartsInAws(env: PushRepairEnv, logger: Logger): Promise<PushParts> {
  const secret = env.pushgatewayAuthSecret;
  const credentials =
    secret === undefined ? undefined : await readCredentials(secretsManagerSource(secret), `secret ${secret}`);
  const replicas = pushgatewayReplicas(env.pushgatewayUrls, {
    timeoutMs: REPLICA_TIMEOUT_MS,
    ca: env.pushgatewayCa,
    credentials,
  });
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
