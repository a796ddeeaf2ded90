import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileGroupStore, type GroupStore } from '../../../lambdas/adapters/group-store';
import { RecordingPushMetrics } from '../../../lambdas/adapters/push-metrics';
import {
  type ForwardedPush,
  type PushgatewayReplica,
  type ReplicaAnswer,
  ReplicaUnavailableError,
} from '../../../lambdas/adapters/pushgateway';
import { needsRepair, type SyncTiming } from '../../../lambdas/domain/group-sync';
import { DEFAULT_PUSH_LIMITS } from '../../../lambdas/domain/push-limits';
import { REFUSAL_MARKER_METRIC } from '../../../lambdas/domain/push-refusal';
import { GroupView } from '../../../lambdas/handlers/push-ingest/group-view';
import { type Logger, MISSED_HEADER, makeHandler } from '../../../lambdas/handlers/push-ingest/handler';
import { missedReplicas, observePushes } from '../../../lambdas/handlers/push-ingest/push-figures';
import { makeRepair } from '../../../lambdas/handlers/push-repair/repair';
import { handlerRequest } from '../../support/handler-request';

/**
 * A replica in memory, answering as a Pushgateway does for what these tests send: 200 to a PUT, 202 to a DELETE,
 * 400 to a refusal marker (domain/push-refusal.ts); down = connection refused (ReplicaUnavailableError, not
 * applied); refusing = 400 to everything (a replica holding something the record contradicts).
 */
class MemoryReplica implements PushgatewayReplica {
  readonly url = 'http://memory';
  state: 'up' | 'down' | 'refusing' = 'up';
  constructor(readonly name: string) {}
  async push(request: ForwardedPush): Promise<ReplicaAnswer> {
    if (this.state === 'down') throw new ReplicaUnavailableError(`${this.name}: connection refused`, false);
    if (this.state === 'refusing' || Buffer.from(request.body).includes(REFUSAL_MARKER_METRIC)) {
      return { status: 400, body: 'pushed metrics are invalid or inconsistent' };
    }
    return { status: request.method === 'DELETE' ? 202 : 200, body: '' };
  }
  async groups() {
    return [];
  }
  /** No protobuf view here: the import falls back to the groups as `/api/v1/metrics` shows them. */
  async exposition(): Promise<Uint8Array> {
    throw new ReplicaUnavailableError(`${this.name}: /metrics answered 500`);
  }
  async ownFamilies() {
    if (this.state === 'down') throw new ReplicaUnavailableError(`${this.name}: connection refused`, false);
    return new Map([['go_goroutines', 'gauge' as const]]);
  }
  async incarnation() {
    if (this.state === 'down') throw new ReplicaUnavailableError(`${this.name}: connection refused`, false);
    return 'run-1';
  }
}

const TIMING: SyncTiming = { leaseMs: 7000, writerExpiryMs: 60_000 };
const warnings: unknown[][] = [];
const logger: Logger = { info() {}, warn: (...args) => void warnings.push(args), error() {} };
const request = handlerRequest;

describe('the push functions record their figures', () => {
  let dir: string;
  let store: FileGroupStore;
  let replicas: [MemoryReplica, MemoryReplica];
  let figures: RecordingPushMetrics;
  let clock: number;
  const handlerOver = async (storeOverride: GroupStore = store) =>
    makeHandler({
      replicas,
      store: storeOverride,
      view: await GroupView.load(store),
      limits: { ...DEFAULT_PUSH_LIMITS, maxBodyBytes: 64 },
      timing: TIMING,
      logger,
      now: () => clock,
      metrics: figures,
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-push-figures-'));
    replicas = [new MemoryReplica('pushgateway-0'), new MemoryReplica('pushgateway-1')];
    store = new FileGroupStore(path.join(dir, 'store.jsonl'), (e) =>
      needsRepair(e, ['pushgateway-0', 'pushgateway-1']),
    );
    figures = new RecordingPushMetrics();
    clock = 1_000_000;
    warnings.length = 0;
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('per push: the status answered, body bytes, series of an accepted push, replicas missed', async () => {
    const handle = await handlerOver();
    expect((await handle(request('PUT', '/metrics/job/batch', 'a 1\nb{x="1"} 2\nb{x="2"} 3\n'))).status).toBe(200);
    replicas[1].state = 'down';
    const missed = await handle(request('POST', '/metrics/job/batch', 'a 5\n'));
    expect(missed.headers[MISSED_HEADER]).toBe('pushgateway-1');
    expect((await handle(request('PUT', '/metrics/job/batch', 'a{'))).status).toBe(400);
    expect((await handle(request('PUT', '/metrics/job/batch', `a 1\n${'#'.repeat(80)}\n`))).status).toBe(413);
    expect((await handle(request('DELETE', '/metrics/job/batch'))).status).toBe(202);

    expect(figures.pushes.map(({ ackMs: _, ...rest }) => rest)).toEqual([
      { status: 200, bytes: 26, series: 3, missedReplicas: [] },
      { status: 200, bytes: 4, series: 1, missedReplicas: ['pushgateway-1'] },
      { status: 400, bytes: 2, series: undefined, missedReplicas: [] },
      { status: 413, bytes: 85, series: undefined, missedReplicas: [] },
      { status: 202, bytes: 0, series: undefined, missedReplicas: ['pushgateway-1'] },
    ]);
    for (const push of figures.pushes) expect(push.ackMs).toBeGreaterThanOrEqual(0);
  });

  it('a push the function fails on is recorded as the 500 the API answers, and the failure still reaches the caller', async () => {
    const failing: GroupStore = Object.create(store, {
      get: {
        value: async () => {
          throw new Error('ProvisionedThroughputExceededException');
        },
      },
    });
    const handle = await handlerOver(failing);
    await expect(handle(request('PUT', '/metrics/job/batch', 'a 1\n'))).rejects.toThrow('ProvisionedThroughput');
    expect(figures.pushes).toEqual([
      { status: 500, bytes: 4, series: 1, missedReplicas: [], ackMs: expect.any(Number) },
    ]);
  });

  it('a failing sink is logged and never fails the push; the time to answer is measured around the handler', async () => {
    const times = [10, 52.5];
    const answer = observePushes(
      {
        push: () => {
          throw new RangeError('The metric name should be between 1 and 255 characters');
        },
      },
      logger,
      async () => ({ status: 200, headers: {}, body: '' }),
      () => times.shift() ?? Number.NaN,
    );
    expect((await answer(request('PUT', '/metrics/job/j', 'a 1\n'))).status).toBe(200);
    expect(warnings).toEqual([
      ['push figures not recorded', { error: 'RangeError: The metric name should be between 1 and 255 characters' }],
    ]);
    const recorded = new RecordingPushMetrics();
    const clocked = [100, 142];
    await observePushes(
      recorded,
      logger,
      async () => ({ status: 503, headers: {}, body: '' }),
      () => clocked.shift() ?? Number.NaN,
    )(request('PUT', '/metrics/job/j', 'a 1\n'));
    expect(recorded.pushes[0]).toMatchObject({ status: 503, ackMs: 42 });
  });

  it('reads the missed replicas from the header the push API answers with', () => {
    expect(
      missedReplicas({ status: 200, headers: { [MISSED_HEADER]: 'pushgateway-0, pushgateway-1' }, body: '' }),
    ).toEqual(['pushgateway-0', 'pushgateway-1']);
    expect(missedReplicas({ status: 200, headers: {}, body: '' })).toEqual([]);
  });

  it('per repair pass: groups repaired, groups still owed, replica write failures, replicas unreachable', async () => {
    const handle = await handlerOver();
    replicas[1].state = 'down';
    await handle(request('PUT', '/metrics/job/one', 'a 1\n'));
    await handle(request('PUT', '/metrics/job/two', 'a 1\n'));
    const repair = makeRepair({ replicas, store, timing: TIMING, logger, now: () => clock, metrics: figures });
    clock += TIMING.leaseMs + 1; // the pushes' writes can no longer land: the repair may write the groups

    // pushgateway-0, seen for the first time, is resynchronised (both groups written to it); pushgateway-1, still
    // down, owes both.
    await repair();
    replicas[1].state = 'refusing';
    await repair(); // written, refused: one write failure per group
    replicas[1].state = 'up';
    await repair(); // brought to the records
    await repair(); // nothing left

    expect(
      figures.passes.map(({ synced, stillOwed, writeFailures, unreachable, restarted }) => ({
        synced,
        stillOwed,
        writeFailures,
        unreachable,
        restarted,
      })),
    ).toEqual([
      { synced: 2, stillOwed: 2, writeFailures: 0, unreachable: ['pushgateway-1'], restarted: ['pushgateway-0'] },
      { synced: 0, stillOwed: 2, writeFailures: 2, unreachable: [], restarted: ['pushgateway-1'] },
      { synced: 2, stillOwed: 0, writeFailures: 0, unreachable: [], restarted: [] },
      { synced: 0, stillOwed: 0, writeFailures: 0, unreachable: [], restarted: [] },
    ]);
  });
});
