import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGroupStore } from '../../adapters/dynamodb-group-store';
import { pushgatewayReplica } from '../../adapters/pushgateway';
import { needsRepair, type SyncTiming } from '../../domain/group-sync';
import { type PushEnvironment, replicaName } from './env';

/** How long the functions wait for a replica. */
export const REPLICA_TIMEOUT_MS = 3000;

/**
 * A write unanswered after {@link REPLICA_TIMEOUT_MS} gets 2 s more to land; a writer older than a minute is dead
 * (the ingest function times out at 29 s).
 */
export const TIMING: SyncTiming = { leaseMs: REPLICA_TIMEOUT_MS + 2000, writerExpiryMs: 60_000 };

/** What both push functions (ingest and repair) are built from in AWS: replicas, the DynamoDB store, a logger. */
export function pushDependencies(env: PushEnvironment, logger: Logger) {
  const replicas = env.pushgatewayUrls.map((url, i) =>
    pushgatewayReplica(replicaName(i), url, { timeoutMs: REPLICA_TIMEOUT_MS, ca: env.pushgatewayCa }),
  );
  const names = replicas.map((r) => r.name);
  return {
    replicas,
    store: new DynamoDbGroupStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), env.groupStoreTable, (entry) =>
      needsRepair(entry, names),
    ),
    timing: TIMING,
    logger: {
      info: (message: string, extra: Record<string, unknown> = {}) => logger.info(message, extra),
      warn: (message: string, extra: Record<string, unknown> = {}) => logger.warn(message, extra),
      error: (message: string, extra: Record<string, unknown> = {}) => logger.error(message, extra),
    },
  };
}
