import { randomUUID } from 'node:crypto';
import { type GroupStore, updateEntry } from '../../adapters/group-store';
import {
  type ForwardedPush,
  type PushgatewayReplica,
  type ReplicaAnswer,
  ReplicaUnavailableError,
} from '../../adapters/pushgateway';
import { type GroupRecord, recordBody } from '../../domain/group-record';
import {
  beginEntry,
  canBeAlone,
  finishEntry,
  owedReplicas,
  type SyncTiming,
  type WriteOutcome,
  type Writer,
} from '../../domain/group-sync';
import { formatGroupingPath } from '../../domain/grouping-key';

export interface WriteResult {
  readonly replica: string;
  readonly outcome: WriteOutcome;
  /** The replica's answer when it answered (2xx or 4xx). */
  readonly answer?: ReplicaAnswer;
  readonly error?: string;
}

/**
 * Brings one replica to the record: a PUT of the whole group (so any version, POST or not, lands as the record
 * says, whatever the replica held), or a DELETE for a tombstone.
 */
export function writeRecord(replica: PushgatewayReplica, record: GroupRecord): Promise<WriteResult> {
  return writeRequest(replica, recordRequest(record));
}

/** The one request that brings a replica to the record (built once, sent to every replica). */
function recordRequest(record: GroupRecord): ForwardedPush {
  const path = formatGroupingPath(record.key);
  return record.deleted
    ? { method: 'DELETE', path, body: new Uint8Array() }
    : { method: 'PUT', path, ...recordBody(record) };
}

async function writeRequest(replica: PushgatewayReplica, request: ForwardedPush): Promise<WriteResult> {
  try {
    const answer = await replica.push(request);
    const applied = answer.status >= 200 && answer.status < 300;
    return { replica: replica.name, outcome: applied ? 'applied' : 'not-applied', answer };
  } catch (error) {
    if (!(error instanceof ReplicaUnavailableError)) throw error;
    return { replica: replica.name, outcome: error.maybeApplied ? 'unknown' : 'not-applied', error: error.message };
  }
}

export function writeAll(replicas: readonly PushgatewayReplica[], record: GroupRecord): Promise<WriteResult[]> {
  const request = recordRequest(record);
  return Promise.all(replicas.map((replica) => writeRequest(replica, request)));
}

export function outcomesOf(results: readonly WriteResult[]): Record<string, WriteOutcome> {
  const outcomes: Record<string, WriteOutcome> = {};
  for (const r of results) outcomes[r.replica] = r.outcome;
  return outcomes;
}

/** Marks the writer done in the store with what its writes did. */
export async function finishWriter(
  store: GroupStore,
  writer: Writer,
  results: readonly WriteResult[],
  now: () => number,
  timing: SyncTiming,
): Promise<void> {
  const outcomes = outcomesOf(results);
  await updateEntry(store, writer.id, (current) =>
    current ? { entry: finishEntry(current, writer, outcomes, now(), timing), result: undefined } : undefined,
  );
}

export type SyncResult = 'synced' | 'busy' | 'failed' | 'gone';

/**
 * The repair's unit of work: begins as a writer of the group; only when alone (nobody else writing, no write
 * possibly still travelling) it writes the record to `replicas` and records what that proved.
 */
export async function syncGroup(
  store: GroupStore,
  id: string,
  replicas: readonly PushgatewayReplica[],
  now: () => number,
  timing: SyncTiming,
): Promise<{ result: SyncResult; results: WriteResult[] }> {
  const token = `repair-${randomUUID()}`;
  let settled = false;
  const begun = await updateEntry(store, id, (current) => {
    settled = false;
    if (!current || !canBeAlone(current, now(), timing)) return undefined;
    // A push may have brought them meanwhile: write only to those still owing it.
    const owing = owedReplicas(
      current,
      replicas.map((r) => r.name),
    );
    if (owing.length === 0) {
      settled = true;
      return undefined;
    }
    const { entry, writer } = beginEntry(current, token, now(), timing);
    return { entry, result: { writer, record: entry.record, owing } };
  });
  if (settled) return { result: 'synced', results: [] };
  if (!begun) return { result: (await store.get(id)) ? 'busy' : 'gone', results: [] };
  const { writer, record, owing } = begun.result;
  if (!writer.alone) {
    await finishWriter(store, writer, [], now, timing);
    return { result: 'busy', results: [] };
  }
  const results = await writeAll(
    replicas.filter((r) => owing.includes(r.name)),
    record,
  );
  await finishWriter(store, writer, results, now, timing);
  return { result: results.every((r) => r.outcome === 'applied') ? 'synced' : 'failed', results };
}
