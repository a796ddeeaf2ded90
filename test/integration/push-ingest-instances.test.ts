import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileGroupStore } from '../../lambdas/adapters/group-store';
import { pushgatewayReplica } from '../../lambdas/adapters/pushgateway';
import { needsRepair } from '../../lambdas/domain/group-sync';
import { groupingKeyId } from '../../lambdas/domain/grouping-key';
import { DEFAULT_PUSH_LIMITS } from '../../lambdas/domain/push-limits';
import { syncTiming } from '../../lambdas/handlers/push-ingest/compose';
import { GroupView } from '../../lambdas/handlers/push-ingest/group-view';
import {
  type Logger,
  MISSED_HEADER,
  makeHandler,
  type PushRequest,
  REJECTED_HEADER,
} from '../../lambdas/handlers/push-ingest/handler';
import { bootstrapStore, makeRepair } from '../../lambdas/handlers/push-repair/repair';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { eventually } from '../support/eventually';

/**
 * Two ingestion instances sharing one store, as Lambda instances share the DynamoDB table: each validates against
 * the groups it has seen, so one can commit a group that conflicts with the other's. Against two real
 * Pushgateways, the replicas must still converge.
 */

jest.setTimeout(120_000);
requireBinaries(['pushgateway']);

/** Groups with their families (no push or failure times: a refused push leaves its failure time on one replica). */
async function families(url: string): Promise<Record<string, unknown>> {
  const json = (await (await fetch(`${url}/api/v1/metrics`)).json()) as { data: Record<string, unknown>[] };
  const groups: Record<string, unknown> = {};
  for (const group of json.data) {
    const kept: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(group)) {
      if (['labels', 'last_push_successful', 'push_time_seconds', 'push_failure_time_seconds'].includes(name)) continue;
      const { time_stamp: _ignored, ...family } = value as Record<string, unknown>;
      kept[name] = family;
    }
    if (Object.keys(kept).length > 0) groups[JSON.stringify(group.labels)] = kept;
  }
  return groups;
}

const put = (p: string, body: string): PushRequest => ({
  method: 'PUT',
  path: p,
  rawPath: p,
  headers: {},
  body: Buffer.from(body),
});

describe('two ingestion instances sharing one store', () => {
  let workDir: string;
  let stable: RunningComponent;
  let victim: RunningComponent;
  let store: FileGroupStore;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-ingest-instances-'));
    [stable, victim] = await Promise.all([startPushgateway(), startPushgateway()]);
  });
  afterAll(async () => {
    await store?.close();
    await Promise.all([stable, victim].filter(Boolean).map((c) => c.stop()));
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('converge after each committed a group the other contradicts: the earlier commit wins', async () => {
    const errors: { message: string; extra?: Record<string, unknown> }[] = [];
    const logger: Logger = { info() {}, warn() {}, error: (message, extra) => errors.push({ message, extra }) };
    const timing = syncTiming(2000);
    const replicas = [
      pushgatewayReplica('pushgateway-0', stable.url, { timeoutMs: 2000 }),
      pushgatewayReplica('pushgateway-1', victim.url, { timeoutMs: 2000 }),
    ];
    const names = replicas.map((r) => r.name);
    store = new FileGroupStore(path.join(workDir, 'store.jsonl'), (e) => needsRepair(e, names));
    expect(await bootstrapStore({ replicas, store, logger })).toBe(true);
    // Both start before either commits: neither sees the other's groups.
    const instance = async () =>
      makeHandler({ replicas, store, view: await GroupView.load(store), limits: DEFAULT_PUSH_LIMITS, timing, logger });
    const [first, second] = await Promise.all([instance(), instance()]);
    const repair = makeRepair({ replicas, store, timing, logger });

    // The first instance commits `shared` as a gauge while one replica is down: only the other takes it.
    const port = victim.port;
    victim.child.kill('SIGKILL');
    await victim.exited;
    await victim.stop(); // removes its data folder
    const one = await first(put('/metrics/job/first', '# TYPE shared gauge\nshared 1\nfirst_only 1\n'));
    expect([one.status, one.headers[MISSED_HEADER]]).toEqual([200, 'pushgateway-1']);
    victim = await startPushgateway({ port });

    // The second instance commits `shared` as a counter in another group: the replica holding the gauge refuses
    // it, the one restarted empty takes it.
    const two = await second(put('/metrics/job/second', '# TYPE shared counter\nshared 2\nsecond_only 2\n'));
    expect([two.status, two.headers[REJECTED_HEADER]]).toEqual([200, 'pushgateway-0']);

    // Each replica now refuses what the other holds; the repair settles it in the store: the later commit (the
    // counter) loses `shared`, and both replicas end holding the same.
    await eventually(
      async () => {
        await repair();
        const [a, b] = await Promise.all([families(stable.url), families(victim.url)]);
        expect(b).toEqual(a);
        expect(Object.keys(a).sort()).toEqual(['{"job":"first"}', '{"job":"second"}']);
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    const held = await families(stable.url);
    expect(Object.keys(held['{"job":"first"}'] as object).sort()).toEqual(['first_only', 'shared']);
    expect(Object.keys(held['{"job":"second"}'] as object)).toEqual(['second_only']);
    expect((held['{"job":"first"}'] as Record<string, { type: string }>).shared?.type).toBe('GAUGE');
    const record = (await store.get(groupingKeyId({ job: 'second' })))?.record;
    expect(record?.families.map((f) => f.name)).toEqual(['second_only']);
    const resolved = errors.filter((e) => e.message.startsWith('two ingestion instances committed conflicting'));
    expect(resolved.map((e) => [e.extra?.dropped, e.extra?.deleted])).toEqual([[['shared'], false]]);
    // Settled: further passes find nothing to refuse.
    const before = errors.length;
    const report = await repair();
    expect([report.resolved, errors.length - before]).toEqual([0, 0]);
  });
});
