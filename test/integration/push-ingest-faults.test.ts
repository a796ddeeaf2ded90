import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type IngestServer, startIngestServer } from '../../lambdas/local/ingest-server';
import { type RunningComponent, startPrometheus, startPushgateway } from '../../lib/devstack/components';
import { freePort, type ManagedProcess, requireBinaries, startProcess } from '../../lib/devstack/processes';
import { PROJECT_ROOT } from '../../lib/paths';
import { eventually } from '../support/eventually';
import { differences, groupPath, median, replicaState, send, startLoad, startStream } from '../support/push-load';

/**
 * The ingestion's promise under faults, against two real Pushgateways: no acknowledged push is lost and the
 * replicas end equal to the model of the acknowledged operations, whatever is killed, and while pushes continue.
 */

jest.setTimeout(300_000);

requireBinaries(['pushgateway', 'prometheus']);

const GROUPS = 1000;
const WRITERS = 8;

let workDir: string;
beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-ingest-faults-'));
});
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** Waits until the load made `count` more acknowledged operations. */
async function acknowledgedMore(load: { acknowledged(): number }, count: number): Promise<void> {
  const target = load.acknowledged() + count;
  await eventually(
    () => {
      if (load.acknowledged() < target) throw new Error(`${load.acknowledged()} of ${target} acknowledged`);
    },
    { timeoutMs: 60_000, intervalMs: 50 },
  );
}

async function killHard(process: ManagedProcess): Promise<void> {
  process.child.kill('SIGKILL');
  await process.exited;
  // Already exited: stop only removes what the component owns (a Pushgateway's data folder).
  await process.stop();
}

/** Both replicas hold exactly the model (polled until they do). */
async function replicasEqualModel(
  urls: readonly string[],
  model: Map<string, Map<string, string>>,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  await eventually(
    async () => {
      for (const url of urls) {
        const diff = differences(model, await replicaState(url));
        if (diff.length > 0)
          throw new Error(`${url}: ${diff.length} groups differ, e.g. ${diff.slice(0, 3).join('; ')}`);
      }
    },
    { timeoutMs, intervalMs: 200 },
  );
  return Date.now() - started;
}

describe.each([
  ['empty', false],
  ['from its persistence file', true],
])('a replica killed -9 under 8 writers and restarted %s', (_how, persistent) => {
  it(`loses no acknowledged value of ${GROUPS} groups written by ${WRITERS} writers`, async () => {
    const dir = fs.mkdtempSync(path.join(workDir, 'replica-'));
    const persistence = persistent ? { persistenceFile: path.join(dir, 'metrics.db'), dataDir: dir } : {};
    const stable = await startPushgateway();
    const port = await freePort();
    let victim: RunningComponent = await startPushgateway({ port, ...persistence });
    const ingest = await startIngestServer({
      pushgateways: [stable.url, victim.url],
      storeFile: path.join(dir, 'store.jsonl'),
      repairIntervalMs: 500,
    });
    try {
      const load = startLoad({ ingestUrl: () => ingest.url, writers: WRITERS, groups: GROUPS });
      await acknowledgedMore(load, 3000);
      await killHard(victim);
      await acknowledgedMore(load, 500);
      victim = await startPushgateway({ port, ...persistence });
      await acknowledgedMore(load, 1500);
      await load.stop();
      expect(load.acknowledged()).toBeGreaterThan(5000);
      await replicasEqualModel([stable.url, victim.url], load.model, 15_000);
    } finally {
      await ingest.close();
      await Promise.all([stable.stop(), victim.stop()]);
    }
  });
});

describe('the ingestion killed -9 mid-stream and restarted with the same store', () => {
  it('loses no acknowledged value', async () => {
    const dir = fs.mkdtempSync(path.join(workDir, 'ingest-'));
    const replicas = await Promise.all([startPushgateway(), startPushgateway()]);
    const port = await freePort();
    const start = () =>
      startProcess({
        name: 'ingest',
        command: process.execPath,
        args: [
          '--import',
          'tsx',
          'bin/local.ts',
          'ingest',
          '--port',
          String(port),
          '--store',
          path.join(dir, 'store.jsonl'),
          ...replicas.flatMap((r) => ['--pushgateway', r.url]),
        ],
        cwd: PROJECT_ROOT,
        readyUrl: `http://127.0.0.1:${port}/-/ready`,
      });
    let ingest = await start();
    try {
      const load = startLoad({ ingestUrl: () => `http://127.0.0.1:${port}`, writers: WRITERS, groups: GROUPS });
      await acknowledgedMore(load, 2000);
      await killHard(ingest);
      ingest = await start();
      await acknowledgedMore(load, 1000);
      await killHard(ingest);
      ingest = await start();
      await acknowledgedMore(load, 500);
      await load.stop();
      await replicasEqualModel(
        replicas.map((r) => r.url),
        load.model,
        20_000,
      );
    } finally {
      await ingest.stop();
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });
});

describe('catch-up while pushes continue', () => {
  it('brings a replica restarted empty to the other while a 100/s stream keeps going', async () => {
    const dir = fs.mkdtempSync(path.join(workDir, 'catchup-'));
    const stable = await startPushgateway();
    const port = await freePort();
    let victim: RunningComponent = await startPushgateway({ port });
    const ingest = await startIngestServer({
      pushgateways: [stable.url, victim.url],
      storeFile: path.join(dir, 'store.jsonl'),
      repairIntervalMs: 500,
    });
    try {
      // 1,000 groups first, then a steady stream of 100 pushes a second.
      const fill: Map<string, Map<string, string>> = new Map();
      for (let i = 0; i < GROUPS; i += 32) {
        await Promise.all(
          Array.from({ length: Math.min(32, GROUPS - i) }, async (_, j) => {
            const answer = await send(ingest.url, 'PUT', groupPath(i + j), `load_a 0\n`);
            expect(answer.status).toBe(200);
            fill.set(`load/g${i + j}`, new Map([['load_a', '0']]));
          }),
        );
      }
      const stream = startStream({ ingestUrl: () => ingest.url, groups: GROUPS, ratePerSecond: 100 });
      await acknowledgedMore(stream, 100);
      await killHard(victim);
      victim = await startPushgateway({ port });
      // Equal to the other replica, except groups written in the last second (their pushes are in flight).
      await eventually(
        async () => {
          const [a, b] = await Promise.all([replicaState(stable.url), replicaState(victim.url)]);
          const recent = (id: string) => Date.now() - (stream.lastWrite.get(id) ?? 0) < 1000;
          const diff = differences(a, b).filter((d) => !recent(d.slice(0, d.indexOf(':'))));
          if (a.size < GROUPS * 0.9 || diff.length > 0)
            throw new Error(`${diff.length} groups differ: ${diff.slice(0, 3)}`);
        },
        { timeoutMs: 180_000, intervalMs: 200 },
      );
      // Caught up at all while the stream keeps going (before, the repair waited for a pause that never came, and
      // the wait above ran out). How fast is a speed figure, measured in `npm run bench -- ingest` beside its floor
      // and its bound (the Pushgateway's own write rate): 4-6 s here on a quiet host in earlier sessions, 35-93 s in
      // session 27's runs of this test alone, 66-105 s in its bench runs (floors 93-201 s). The wait allows 180 s,
      // as the bench does.
      await stream.stop();
      await replicasEqualModel([stable.url, victim.url], mergeModels(fill, stream.model), 5000);
    } finally {
      await ingest.close();
      await Promise.all([stable.stop(), victim.stop()]);
    }
  });
});

/** The stream ran after the fill: its groups override the fill's (each group's last PUT/POST wins). */
function mergeModels(
  first: Map<string, Map<string, string>>,
  second: Map<string, Map<string, string>>,
): Map<string, Map<string, string>> {
  const merged = new Map(first);
  for (const [id, families] of second) {
    // The stream's model started empty: its POSTs on a group the fill wrote kept the fill's load_a.
    const base = first.get(id);
    merged.set(id, families.has('load_a') || !base?.has('load_a') ? families : new Map([...base, ...families]));
  }
  return merged;
}

describe('refusals and races', () => {
  let replicas: RunningComponent[];
  let ingest: IngestServer;
  beforeAll(async () => {
    replicas = await Promise.all([startPushgateway(), startPushgateway()]);
    ingest = await startIngestServer({
      pushgateways: replicas.map((r) => r.url),
      storeFile: path.join(workDir, 'refusals.jsonl'),
      repairIntervalMs: 500,
    });
  });
  afterAll(async () => {
    await ingest?.close();
    await Promise.all((replicas ?? []).map((r) => r.stop()));
  });

  const groupsOn = async (url: string) =>
    (
      JSON.parse((await send(url, 'GET', '/api/v1/metrics')).body) as { data: { labels: Record<string, string> }[] }
    ).data.map((g) => g.labels);

  it('refuses the poison sequence (a group and the same group with instance="") and stays usable', async () => {
    expect((await send(ingest.url, 'PUT', '/metrics/job/p', 'a 1\n')).status).toBe(200);
    const poison = await send(ingest.url, 'PUT', '/metrics/job/p/instance@base64/=', 'b 1\n');
    expect(poison.status).toBe(400);
    expect(poison.body).toMatch(/same push_time_seconds series as group \{job="p"\}/);
    // Refused for its body (a timestamp, a reserved label name) rather than its key: the refusal a Pushgateway
    // records at the storage stage creates the group it failed on, which beside {job="p"} would break both
    // replicas just the same. Recorded at the parse stage instead (counted, no group).
    for (const body of ['b 1 1700000000000\n', 'b{__x="1"} 1\n']) {
      expect((await send(ingest.url, 'PUT', '/metrics/job/p/instance@base64/=', body)).status).toBe(400);
    }
    // A refused first push leaves its group on the replicas (as a Pushgateway would: created with its failure
    // time); a valid push to its counterpart is then refused by the ingestion, not sent to break the replicas.
    expect((await send(ingest.url, 'PUT', '/metrics/job/r/instance@base64/=', 'b 1 1700000000000\n')).status).toBe(400);
    const counterpart = await send(ingest.url, 'PUT', '/metrics/job/r', 'g 1\n');
    expect([counterpart.status, counterpart.body]).toEqual([
      400,
      expect.stringMatching(/same push_time_seconds series/),
    ]);
    // Deleting the trace through the ingestion clears the way.
    expect((await send(ingest.url, 'DELETE', '/metrics/job/r/instance@base64/=')).status).toBe(202);
    expect((await send(ingest.url, 'PUT', '/metrics/job/r', 'g 1\n')).status).toBe(200);
    // The other way round too.
    expect((await send(ingest.url, 'PUT', '/metrics/job/q/instance@base64/=', 'c 1\n')).status).toBe(200);
    expect((await send(ingest.url, 'PUT', '/metrics/job/q', 'd 1\n')).status).toBe(400);
    // Nothing was applied anywhere: every replica still gathers, and later pushes to any group work.
    expect((await send(ingest.url, 'PUT', '/metrics/job/other', 'e 1\n')).status).toBe(200);
    expect((await send(ingest.url, 'POST', '/metrics/job/p', 'f 1\n')).status).toBe(200);
    for (const replica of replicas) {
      expect((await send(replica.url, 'GET', '/metrics')).status).toBe(200);
      const groups = await groupsOn(replica.url);
      expect(groups).not.toContainEqual({ job: 'p', instance: '' });
      expect(groups).not.toContainEqual({ job: 'q' });
    }
  });

  it('refuses a histogram in a group keyed by le, which a Pushgateway takes and Prometheus then cannot scrape', async () => {
    const histogram =
      '# TYPE lh_seconds histogram\nlh_seconds_bucket{le="1"} 1\nlh_seconds_bucket{le="+Inf"} 2\nlh_seconds_sum 3\nlh_seconds_count 2\n';
    // The oracle: a Pushgateway taking the push straight, and a real Prometheus scraping it beside a replica.
    const direct = await startPushgateway();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-le-'));
    let prometheus: RunningComponent | undefined;
    try {
      expect((await send(direct.url, 'PUT', '/metrics/job/lh/le/5', histogram)).status).toBe(200);
      const through = await send(ingest.url, 'PUT', '/metrics/job/lh/le/5', histogram);
      expect(through.status).toBe(400);
      expect(through.body).toMatch(/histogram lh_seconds in a group with the grouping label le/);
      // A gauge in such a group is fine (one le label), and so is a histogram keyed by anything else.
      expect((await send(ingest.url, 'PUT', '/metrics/job/lg/le/5', 'lg 1\n')).status).toBe(200);
      expect((await send(ingest.url, 'PUT', '/metrics/job/lh/bound/5', histogram)).status).toBe(200);
      for (const replica of replicas) {
        expect(await groupsOn(replica.url)).not.toContainEqual({ job: 'lh', le: '5', instance: '' });
      }
      const targets = [direct, replicas[0] as RunningComponent];
      fs.writeFileSync(
        path.join(dir, 'prometheus.yml'),
        JSON.stringify({
          global: { scrape_interval: '1s' },
          scrape_configs: targets.map((t, i) => ({
            job_name: `pg-${i}`,
            honor_labels: true,
            static_configs: [{ targets: [`127.0.0.1:${t.port}`] }],
          })),
        }),
      );
      prometheus = await startPrometheus({
        configFile: path.join(dir, 'prometheus.yml'),
        dataDir: path.join(dir, 'data'),
      });
      const url = prometheus.url;
      await eventually(
        async () => {
          const answer = JSON.parse((await send(url, 'GET', '/api/v1/targets')).body) as {
            data: { activeTargets: { scrapePool: string; health: string; lastError: string }[] };
          };
          const health = Object.fromEntries(
            answer.data.activeTargets.map((t) => [t.scrapePool, [t.health, t.lastError]]),
          );
          // Prometheus refuses the whole scrape of the Pushgateway holding it (its other groups included) ...
          expect(health['pg-0']).toEqual(['down', 'label name "le" is not unique: invalid sample']);
          // ... and scrapes the replica the ingestion kept it from.
          expect(health['pg-1']).toEqual(['up', '']);
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    } finally {
      await prometheus?.stop();
      await direct.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a summary in a group keyed by quantile as the Pushgateway does, leaving its trace', async () => {
    const summary = '# TYPE lq_seconds summary\nlq_seconds{quantile="0.5"} 1\nlq_seconds_sum 3\nlq_seconds_count 2\n';
    const direct = await startPushgateway();
    try {
      const expected = await send(direct.url, 'PUT', '/metrics/job/lq/quantile/5', summary);
      const through = await send(ingest.url, 'PUT', '/metrics/job/lq/quantile/5', summary);
      expect(expected.status).toBe(400);
      expect(through.status).toBe(400);
      // The same words but the metric's value, which ours leaves out as for every consistency refusal.
      expect(through.body).toBe(expected.body.replace(/summary:<.*> > } /, '} '));
      // The replicas hold what the Pushgateway keeps of a refused push: the group with its failure time.
      const trace = async (url: string) =>
        (await send(url, 'GET', '/metrics')).body
          .split('\n')
          .filter((line) => line.includes('job="lq"'))
          .map((l) => l.replace(/ .*$/, ''));
      for (const replica of replicas) expect(await trace(replica.url)).toEqual(await trace(direct.url));
      expect(await trace(direct.url)).toContain('push_failure_time_seconds{instance="",job="lq",quantile="5"}');
    } finally {
      await direct.stop();
    }
  });

  it('answers a dot-segment path like the Pushgateway (301 to the cleaned path), says why, and applies nothing', async () => {
    const direct = await send(replicas[0]?.url ?? '', 'PUT', '/metrics/job/dot/a/..', 'g 1\n');
    const through = await send(ingest.url, 'PUT', '/metrics/job/dot/a/..', 'g 1\n');
    expect(through.status).toBe(direct.status);
    expect(through.headers.location).toBe(direct.headers.location);
    expect(through.headers.location).toBe('/metrics/job/dot');
    expect(through.body).toMatch(/dot segments/);
    expect((await send(ingest.url, 'PUT', '/metrics/job/dot/./a/b', 'g 1\n')).headers.location).toBe(
      '/metrics/job/dot/a/b',
    );
    for (const replica of replicas) expect((await groupsOn(replica.url)).filter((g) => g.job === 'dot')).toEqual([]);
  });

  it('leaves both replicas identical within 5 s after DELETE races a PUT and a POST on one group', async () => {
    for (let round = 0; round < 20; round++) {
      const p = `/metrics/job/race/instance/r${round % 4}`;
      expect((await send(ingest.url, 'PUT', p, `race_a ${round}\n`)).status).toBe(200);
      const answers = await Promise.all([
        send(ingest.url, 'DELETE', p),
        send(ingest.url, 'PUT', p, `race_a ${round + 100}\n`),
        send(ingest.url, 'POST', p, `race_b ${round}\n`),
      ]);
      expect(answers.map((a) => a.status)).toEqual([202, 200, 200]);
    }
    const tookMs = Date.now();
    await eventually(
      async () => {
        const [a, b] = await Promise.all(replicas.map((r) => send(r.url, 'GET', '/api/v1/metrics')));
        const race = (body: string) =>
          JSON.stringify(
            (JSON.parse(body) as { data: Record<string, unknown>[] }).data
              .filter((g) => (g.labels as Record<string, string>).job === 'race')
              .map((g) => ({
                labels: g.labels,
                a: g.race_a && (g.race_a as { metrics: unknown[] }).metrics,
                b: g.race_b && (g.race_b as { metrics: unknown[] }).metrics,
              }))
              .sort((x, y) => JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels))),
          );
        expect(race(b?.body ?? '')).toBe(race(a?.body ?? ''));
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
    expect(Date.now() - tookMs).toBeLessThan(5000);
  });

  it('refuses a push above the series limit with 413, and a large push within it adds no cost of its own to later pushes', async () => {
    // Each small push through the ingestion, and the same push written by the client to both replicas at once (the
    // floor: the Pushgateway's own check gathers every group it holds, so it slows with what it holds).
    const latencies = async () => {
      const through: number[] = [];
      const floor: number[] = [];
      for (let i = 0; i < 60; i++) {
        let started = performance.now();
        expect((await send(ingest.url, 'PUT', `/metrics/job/small/instance/s${i % 10}`, `small_x ${i}\n`)).status).toBe(
          200,
        );
        through.push(performance.now() - started);
        started = performance.now();
        await Promise.all(
          replicas.map((r) => send(r.url, 'PUT', `/metrics/job/floor/instance/s${i % 10}`, `floor_x ${i}\n`)),
        );
        floor.push(performance.now() - started);
      }
      return { through: median(through), floor: median(floor) };
    };
    await latencies();
    const before = await latencies();
    const hugeBody = Array.from({ length: 88_000 }, (_, i) => `huge{s="${i}"} ${i}\n`).join('');
    const huge = await send(ingest.url, 'PUT', '/metrics/job/huge', `# TYPE huge gauge\n${hugeBody}`);
    expect(huge.status).toBe(413);
    expect(huge.body).toMatch(/88000 series, above the limit of 10000 series per push/);
    for (const replica of replicas) expect((await groupsOn(replica.url)).filter((g) => g.job === 'huge')).toEqual([]);
    // Ratios to the floor measured alongside: the machine is shared, absolute times drift.
    const ratio = (m: { through: number; floor: number }) => m.through / m.floor;
    expect(ratio(await latencies())).toBeLessThanOrEqual(2 * ratio(before));

    const large = Array.from(
      { length: 9_000 },
      (_, i) => `big{series="s${i}",path="/some/longer/label/value/${i}"} ${i}\n`,
    ).join('');
    expect((await send(ingest.url, 'PUT', '/metrics/job/large', `# TYPE big gauge\n${large}`)).status).toBe(200);
    const after = await latencies();
    // The floor rose with what the Pushgateways hold; the ingestion reads no state per push, so adds no more.
    expect(ratio(after)).toBeLessThanOrEqual(2 * ratio(before));
    expect((await send(ingest.url, 'DELETE', '/metrics/job/large')).status).toBe(202);
  });
});

describe('honest answers under timeouts', () => {
  it('acknowledges a push both replicas applied but answered after the timeout, naming them as missed', async () => {
    const { startSlowProxy } = await import('../support/push-load');
    const replicas = await Promise.all([startPushgateway(), startPushgateway()]);
    const proxies = await Promise.all(replicas.map((r) => startSlowProxy(r.port, 1500)));
    const ingest = await startIngestServer({
      pushgateways: proxies.map((p) => p.url),
      storeFile: path.join(workDir, 'slow.jsonl'),
      replicaTimeoutMs: 1000,
      repairIntervalMs: 60_000,
    });
    try {
      const answer = await send(ingest.url, 'PUT', '/metrics/job/slow', 'slow_x 1\n');
      expect(answer.status).toBe(200);
      expect(answer.headers['x-greenlang-replicas-missed']).toBe('pushgateway-0, pushgateway-1');
      for (const replica of replicas) {
        await eventually(async () =>
          expect((await send(replica.url, 'GET', '/metrics')).body).toMatch(/^slow_x\{instance="",job="slow"\} 1$/m),
        );
      }
    } finally {
      await ingest.close();
      await Promise.all(proxies.map((p) => p.close()));
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });
});
