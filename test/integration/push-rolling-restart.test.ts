import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { metricFamilyType } from '../../lambdas/domain/exposition/protobuf';
import { delimitedBody } from '../../lambdas/domain/exposition/protobuf-encode';
import { PROTOBUF_DELIMITED } from '../../lambdas/domain/group-record';
import { owedReplicas } from '../../lambdas/domain/group-sync';
import { groupingKeyId } from '../../lambdas/domain/grouping-key';
import { type IngestServer, startIngestServer } from '../../lambdas/local/ingest-server';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { freePort, requireBinaries } from '../../lib/devstack/processes';
import { eventually } from '../support/eventually';
import { send } from '../support/push-load';

/**
 * A rolling restart of the Pushgateways (an upgrade, a node drain: each replica stopped, then started from its
 * persistence file), against two real Pushgateways 1.5.1 behind the ingestion. A group the restarted replica holds
 * exactly as the other does is not rewritten, so its `push_time_seconds` stays the time of its last push and
 * `PushgatewayBatchJobStale` (the oldest copy per group) still sees a job that stopped pushing; a group that changed
 * while the replica was down, in its listing or only in what protobuf carries (an exemplar), is rewritten.
 */

jest.setTimeout(180_000);

requireBinaries(['pushgateway']);

const JOB = 'rolling';
const UNCHANGED = 12;
const groupPath = (i: number) => `/metrics/job/${JOB}/instance/g${i}`;

interface ApiGroup {
  readonly labels: Record<string, string>;
  readonly push_time_seconds?: { metrics?: { value?: string }[] };
  readonly push_failure_time_seconds?: { metrics?: { value?: string }[] };
  readonly [family: string]: unknown;
}

/** instance → `push_time_seconds push_failure_time_seconds` of every `rolling` group a Pushgateway holds. */
async function pushTimes(url: string): Promise<Map<string, string>> {
  const answer = await send(url, 'GET', '/api/v1/metrics');
  if (answer.status !== 200) throw new Error(`${url}/api/v1/metrics answered ${answer.status}`);
  const times = new Map<string, string>();
  for (const group of (JSON.parse(answer.body) as { data: ApiGroup[] }).data) {
    if (group.labels.job !== JOB) continue;
    const pushed = group.push_time_seconds?.metrics?.[0]?.value ?? '0';
    const failed = group.push_failure_time_seconds?.metrics?.[0]?.value ?? '0';
    times.set(group.labels.instance ?? '', `${pushed} ${failed}`);
  }
  return times;
}

/** A delimited protobuf push of one counter carrying an exemplar with trace id `trace` (what client_golang sends). */
function counterWithExemplar(value: number, trace: string): Buffer {
  const message = metricFamilyType()
    .encode({
      name: 'rolling_requests_total',
      help: 'Requests.',
      type: 0,
      metric: [
        {
          label: [],
          counter: {
            value,
            exemplar: { label: [{ name: 'trace_id', value: Buffer.from(trace) }], value: 1 },
          },
        },
      ],
    })
    .finish();
  return Buffer.from(delimitedBody([message]));
}

/** The trace ids of the exemplars a Pushgateway's protobuf `/metrics` shows for group g{i} (text has none). */
async function exemplarTraces(url: string): Promise<string[]> {
  const response = await fetch(`${url}/metrics`, { headers: { accept: PROTOBUF_DELIMITED } });
  const body = new Uint8Array(await response.arrayBuffer());
  const protobuf = require('protobufjs/light') as typeof import('protobufjs/light');
  const reader = protobuf.Reader.create(body);
  const traces: string[] = [];
  while (reader.pos < reader.len) {
    const family = metricFamilyType().decode(reader, reader.uint32()) as unknown as {
      name: string;
      metric: { counter?: { exemplar?: { label: { value: Uint8Array }[] } } }[];
    };
    if (family.name !== 'rolling_requests_total') continue;
    for (const metric of family.metric) {
      for (const label of metric.counter?.exemplar?.label ?? []) traces.push(Buffer.from(label.value).toString());
    }
  }
  return traces;
}

/** Every record is proven on both replicas (the repair has nothing left to write). */
async function allProven(ingest: IngestServer): Promise<void> {
  await eventually(
    async () => {
      const owed = (await ingest.store.all()).filter((e) => owedReplicas(e, ['pushgateway-0', 'pushgateway-1']).length);
      if (owed.length > 0) throw new Error(`${owed.length} records still owed to a replica`);
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

async function ok(ingest: IngestServer, method: string, target: string, body?: string | Buffer, type?: string) {
  const answer = await send(ingest.url, method, target, body, type ? { 'content-type': type } : {});
  expect([answer.status, answer.body]).toEqual([method === 'DELETE' ? 202 : 200, '']);
}

it('keeps the push times of unchanged groups across a rolling restart, and rewrites what changed meanwhile', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-rolling-'));
  const ports = [await freePort(), await freePort()];
  const dirs = [0, 1].map((i) => path.join(work, `replica-${i}`));
  for (const dir of dirs) fs.mkdirSync(dir);
  const start = (i: number) =>
    startPushgateway({
      port: ports[i],
      dataDir: dirs[i],
      persistenceFile: path.join(dirs[i] as string, 'metrics.db'),
    });
  const replicas: RunningComponent[] = [await start(0), await start(1)];
  const urls = replicas.map((r) => r.url);
  const logged: Record<string, unknown>[] = [];
  const ingest = await startIngestServer({
    pushgateways: urls,
    storeFile: path.join(work, 'store.jsonl'),
    repairIntervalMs: 200,
    logger: {
      info: (message, extra) => {
        if (message === 'repair') logged.push(extra ?? {});
      },
      warn() {},
      error() {},
    },
  });
  try {
    for (let i = 0; i < UNCHANGED; i++) await ok(ingest, 'PUT', groupPath(i), `rolling_value ${i}\n`);
    await ok(ingest, 'PUT', groupPath(100), `rolling_value 1\n`); // changed while its replica is down
    await ok(ingest, 'PUT', groupPath(101), counterWithExemplar(7, 'before'), PROTOBUF_DELIMITED); // exemplar only
    await ok(ingest, 'PUT', groupPath(102), `rolling_value 2\n`); // deleted while its replica is down
    await allProven(ingest);
    // A refused push to g0 (a counter where the other groups hold an untyped family of that name): the ingestion
    // records its failure on both replicas (refusal-recorder.ts), as a Pushgateway would: PushgatewayLastPushFailed.
    const refused = await send(ingest.url, 'PUT', groupPath(0), '# TYPE rolling_value counter\nrolling_value 1\n');
    expect(refused.status).toBe(400);
    // Each replica stamps the groups it applies: its own push times, before any restart.
    const before = await Promise.all(urls.map(pushTimes));
    expect(before.map((b) => b.size)).toEqual([UNCHANGED + 3, UNCHANGED + 3]);
    for (const times of before) {
      const [pushed, failed] = (times.get('g0') ?? '').split(' ').map(Number);
      expect(failed).toBeGreaterThan(pushed as number);
    }

    for (const down of [0, 1]) {
      const restartedBefore = logged.length;
      // Its file is written every second (--persistence.interval=1s): the unchanged groups are in it.
      await (replicas[down] as RunningComponent).stop();
      await ok(ingest, 'PUT', groupPath(100), `rolling_value ${10 + down}\n`);
      await ok(ingest, 'PUT', groupPath(101), counterWithExemplar(7, `during-${down}`), PROTOBUF_DELIMITED);
      if (down === 0) await ok(ingest, 'DELETE', groupPath(102));
      else {
        // Its tombstone was collected once the first restarted replica dropped the group too: no record is left.
        await eventually(
          async () => {
            if (await ingest.store.get(groupingKeyId({ job: JOB, instance: 'g102' })))
              throw new Error('tombstone of g102 still kept');
          },
          { timeoutMs: 30_000, intervalMs: 100 },
        );
      }
      replicas[down] = await start(down);
      await eventually(
        () => {
          const restarted = logged.slice(restartedBefore).some((r) => (r.restarted as string[]).length > 0);
          if (!restarted) throw new Error(`pushgateway-${down} not resynchronised yet`);
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      await allProven(ingest);
      const confirmed = logged.slice(restartedBefore).reduce((n, r) => n + (r.confirmed as number), 0);
      // Exactly the unchanged groups: not g100 (a new value), g101 (a new exemplar) nor g102 (deleted meanwhile).
      expect(confirmed).toBe(UNCHANGED);

      const times = await Promise.all(urls.map(pushTimes));
      for (let i = 0; i < UNCHANGED; i++) {
        // Neither copy was written again: each keeps the time of the group's one push (and g0 its failure after it).
        expect([times[0]?.get(`g${i}`), times[1]?.get(`g${i}`)]).toEqual([
          before[0]?.get(`g${i}`),
          before[1]?.get(`g${i}`),
        ]);
      }
      // What changed while the replica was down reached it; the group deleted meanwhile is gone from both.
      const held = await Promise.all(urls.map((u) => send(u, 'GET', '/metrics')));
      for (const answer of held) {
        expect(answer.body).toContain(`rolling_value{instance="g100",job="rolling"} ${10 + down}`);
        expect(answer.body).not.toContain('instance="g102"');
      }
      expect(await Promise.all(urls.map(exemplarTraces))).toEqual([[`during-${down}`], [`during-${down}`]]);
    }
  } finally {
    await ingest.close();
    await Promise.all(replicas.map((r) => r.stop()));
    fs.rmSync(work, { recursive: true, force: true });
  }
});
