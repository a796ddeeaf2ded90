import type { RefusalStage } from '../domain/exposition/decode';
import { refusalMarker } from '../domain/push-refusal';
import type { PushMethod } from '../domain/pushgateway-semantics';
import type { ErrorLogger } from './logger';
import { type PushgatewayReplica, ReplicaUnavailableError } from './pushgateway';

export interface RefusedPush {
  readonly method: PushMethod;
  /** The path as received (percent-encoded), so the marker lands in the same group. */
  readonly rawPath: string;
  readonly stage: RefusalStage;
  /** The reason given to the client (logged: the replicas' logs show only the marker's). */
  readonly message: string;
}

/**
 * Leaves on every replica the trace a Pushgateway leaves of a push it refuses (see `refusalMarker`). Best effort:
 * a replica that is down misses the trace (logged); the client gets its 400 either way. A replica that took the
 * marker would mean its consistency check is off (`--push.disable-consistency-check`): logged as an error.
 */
export async function recordRefusal(
  replicas: readonly PushgatewayReplica[],
  refused: RefusedPush,
  logger: ErrorLogger,
): Promise<void> {
  logger.info('push refused', {
    method: refused.method,
    path: refused.rawPath,
    stage: refused.stage,
    reason: refused.message,
  });
  const marker = refusalMarker(refused.stage, refused.method);
  if (!marker) return;
  await Promise.all(
    replicas.map(async (replica) => {
      try {
        const answer = await replica.push({
          method: marker.method,
          path: refused.rawPath,
          body: Buffer.from(marker.body, 'utf8'),
          contentType: marker.contentType,
        });
        if (answer.status !== 400) {
          logger.error('replica did not refuse the refusal marker', { replica: replica.name, status: answer.status });
        }
      } catch (error) {
        if (!(error instanceof ReplicaUnavailableError)) throw error;
        logger.warn('replica missed the record of a refused push', { replica: replica.name, error: error.message });
      }
    }),
  );
}
