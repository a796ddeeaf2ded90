import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Counter, Gauge, Histogram, Pushgateway, Registry, Summary } from 'prom-client';
import { Reader, Root } from 'protobufjs/light';
import { METRICS_PROTO_DESCRIPTOR } from '../../lambdas/domain/exposition/protobuf-descriptor';
import { type IngestServer, startIngestServer } from '../../lambdas/local/ingest-server';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { PROJECT_ROOT } from '../../lib/paths';
import { buildGoProgram } from '../support/go-build';
import { pushgatewayRequestCounts, pushgatewayState } from '../support/pushgateway-state';

/**
 * The official client libraries pushing as batch jobs do, each step once straight to a real Pushgateway (the
 * oracle) and once through the ingestion in front of two: the same answer, and both replicas holding exactly what
 * the oracle holds, refused pushes' traces included (failure times, `last_push_successful`, groups created by a
 * refusal, the 400s counted). Every scenario has pushes its Pushgateway refuses.
 */

const run = promisify(execFile);
const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'clients');

/** One push (or delete) of a client; resolves to `ok` or the HTTP status the client reported. */
interface ClientStep {
  readonly name: string;
  run(baseUrl: string): Promise<string>;
}

interface Scenario {
  readonly client: string;
  readonly steps: readonly ClientStep[];
}

async function stepsOf(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string[]> {
  const { stdout } = await run(command, [...args, 'steps'], { env });
  return stdout.trim().split('\n');
}

/** client_golang's push package, built in GOPATH mode against Debian's client_golang 1.14. */
async function goScenario(binary: string, format: 'proto' | 'text'): Promise<Scenario> {
  const names = await stepsOf(binary, []);
  return {
    client: `Go client_golang (${format === 'proto' ? 'default: delimited protobuf' : 'text'})`,
    steps: names.map((name) => ({
      name,
      run: async (base) => (await run(binary, [base, format, `go-${format}`, name])).stdout.trim(),
    })),
  };
}

/** prometheus_client (Debian python3-prometheus-client). */
async function pythonScenario(python: string): Promise<Scenario> {
  const script = path.join(FIXTURES, 'python', 'pusher.py');
  const names = await stepsOf(python, [script], { ...process.env, PYTHONDONTWRITEBYTECODE: '1' });
  return {
    client: 'Python prometheus_client',
    steps: names.map((name) => ({
      name,
      // No __pycache__ next to the fixture or in the system's site-packages.
      run: async (base) =>
        (
          await run(python, [script, base, 'py-job', name], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } })
        ).stdout.trim(),
    })),
  };
}

/** prom-client's Pushgateway (a new one per call: it drops its Content-Encoding header after a delete). */
function nodeScenario(gzip: boolean): Scenario {
  const job = gzip ? 'node-gzip' : 'node-job';
  const registry = (build: (r: Registry) => void) => {
    const r = new Registry();
    build(r);
    return r;
  };
  const allTypes = registry((r) => {
    new Counter({ name: 'node_batch_records_total', help: 'Records.', labelNames: ['stage'], registers: [r] })
      .labels('load')
      .inc(42);
    new Gauge({ name: 'node_batch_last_success_timestamp_seconds', help: 'Last success.', registers: [r] }).set(1.7e9);
    new Histogram({ name: 'node_batch_duration_seconds', help: 'Run time.', buckets: [1, 10], registers: [r] }).observe(
      3,
    );
    new Summary({ name: 'node_batch_item_seconds', help: 'Per item.', percentiles: [0.5], registers: [r] }).observe(
      0.2,
    );
  });
  const gauge = (name: string, value: number) =>
    registry((r) => new Gauge({ name, help: 'A gauge.', registers: [r] }).set(value));
  const call = async (
    base: string,
    r: Registry,
    act: (gateway: Pushgateway<'text/plain; version=0.0.4; charset=utf-8'>) => Promise<unknown>,
  ) => {
    const gateway = new Pushgateway(base, gzip ? { headers: { 'Content-Encoding': 'gzip' } } : {}, r);
    try {
      await act(gateway);
      return 'ok';
    } catch (error) {
      const status = /status (\d+)/.exec((error as Error).message);
      return status ? (status[1] as string) : `error ${(error as Error).message}`;
    }
  };
  const empty = new Registry();
  const step = (name: string, r: Registry, act: Parameters<typeof call>[2]): ClientStep => ({
    name,
    run: (base) => call(base, r, act),
  });
  return {
    client: `Node prom-client${gzip ? ' (gzip)' : ''}`,
    steps: [
      step('pushAdd all types', allTypes, (g) => g.pushAdd({ jobName: job, groupings: { instance: 'b1' } })),
      step('push replacing the group', gauge('node_batch_rows', 7), (g) =>
        g.push({ jobName: job, groupings: { instance: 'b1' } }),
      ),
      step('non-ASCII and slash in a grouping value', gauge('node_batch_files', 3), (g) =>
        g.push({ jobName: job, groupings: { site: 'Zürich/Genève' } }),
      ),
      step('pushAdd all types again', allTypes, (g) => g.pushAdd({ jobName: job, groupings: { instance: 'b3' } })),
      step('refused: type conflict with another group', gauge('node_batch_records_total', 1), (g) =>
        g.push({ jobName: job, groupings: { instance: 'b2' } }),
      ),
      step('refused: pushAdd into an existing group', gauge('node_batch_records_total', 1), (g) =>
        g.pushAdd({ jobName: job, groupings: { instance: 'b1' } }),
      ),
      step('delete a group', empty, (g) => g.delete({ jobName: job, groupings: { instance: 'b3' } })),
      step('push after the refusals', gauge('node_batch_rows', 8), (g) =>
        g.push({ jobName: job, groupings: { instance: 'b2' } }),
      ),
    ],
  };
}

/** The Debian interpreter that has prometheus_client (a pyenv `python3` earlier on PATH may not). */
async function pythonWithClient(): Promise<string> {
  const found = requireBinaries(['python3']).python3;
  for (const candidate of ['/usr/bin/python3', found]) {
    try {
      await run(candidate, ['-c', 'import prometheus_client']);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    'No python3 can import prometheus_client. Install it with: sudo apt-get install -y python3-prometheus-client',
  );
}

/** The client_golang pusher (test/fixtures/clients/go/pusher.go). */
function buildGoPusher(workDir: string): Promise<string> {
  return buildGoProgram(workDir, path.join(FIXTURES, 'go', 'pusher.go'), 'pusher');
}

/** The native-histogram fields of one pushed histogram, read from a Pushgateway's protobuf `/metrics`. */
async function nativeHistogram(url: string, family: string, job: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/metrics`, {
    headers: { accept: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited' },
  });
  const body = new Uint8Array(await response.arrayBuffer());
  const type = Root.fromJSON(METRICS_PROTO_DESCRIPTOR).lookupType('io.prometheus.client.MetricFamily');
  let at = 0;
  while (at < body.length) {
    const reader = Reader.create(body.subarray(at));
    const length = reader.uint32();
    const message = type.toObject(type.decode(body.subarray(at + reader.pos, at + reader.pos + length)), {
      longs: String,
    }) as { name: string; metric: { label: { name: string; value: string }[]; histogram: Record<string, unknown> }[] };
    at += reader.pos + length;
    if (message.name !== family) continue;
    const metric = message.metric.find((m) => m.label.some((l) => l.name === 'job' && l.value === job));
    if (!metric) break;
    const { schema, zero_threshold, zero_count, positive_span, positive_delta, negative_span, negative_delta } =
      metric.histogram;
    return { schema, zero_threshold, zero_count, positive_span, positive_delta, negative_span, negative_delta };
  }
  throw new Error(`${url} exposes no ${family} for job ${job}`);
}

jest.setTimeout(600_000);

describe('official client libraries against a Pushgateway and through the ingestion', () => {
  let workDir: string;
  let oracle: RunningComponent;
  let replicas: RunningComponent[];
  let ingest: IngestServer;
  let goPusher: string;
  let python: string;

  beforeAll(async () => {
    requireBinaries(['pushgateway']);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-push-clients-'));
    [goPusher, python, oracle, ...replicas] = await Promise.all([
      buildGoPusher(workDir),
      pythonWithClient(),
      startPushgateway(),
      startPushgateway(),
      startPushgateway(),
    ]);
    ingest = await startIngestServer({
      pushgateways: replicas.map((r) => r.url),
      storeFile: path.join(workDir, 'store.jsonl'),
    });
  });

  afterAll(async () => {
    await ingest?.close();
    await Promise.all([oracle, ...(replicas ?? [])].filter(Boolean).map((c) => c.stop()));
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function expectSameOutcome(scenario: Scenario): Promise<void> {
    const answers: string[] = [];
    for (const step of scenario.steps) {
      const direct = await step.run(oracle.url);
      const through = await step.run(ingest.url);
      answers.push(direct);
      expect({ client: scenario.client, step: step.name, through }).toEqual({
        client: scenario.client,
        step: step.name,
        through: direct,
      });
      const [expected, ...held] = await Promise.all([oracle, ...replicas].map((c) => pushgatewayState(c.url)));
      for (const [i, state] of held.entries()) {
        expect({ client: scenario.client, step: step.name, replica: i, state }).toEqual({
          client: scenario.client,
          step: step.name,
          replica: i,
          state: expected,
        });
      }
    }
    // Each scenario must exercise both outcomes, or it proves nothing about refusals.
    expect(answers).toContain('ok');
    expect(answers).toContain('400');
  }

  it('Go client_golang with its default format (delimited protobuf), native histograms included', async () => {
    await expectSameOutcome(await goScenario(goPusher, 'proto'));
    const expected = await nativeHistogram(oracle.url, 'go_batch_native_seconds', 'go-proto');
    expect(expected.schema).toBe(3); // the Pushgateway stored the native histogram
    for (const replica of replicas) {
      expect(await nativeHistogram(replica.url, 'go_batch_native_seconds', 'go-proto')).toEqual(expected);
    }
  });

  it('Go client_golang with the text format', async () => {
    await expectSameOutcome(await goScenario(goPusher, 'text'));
  });

  it('Python prometheus_client: push, pushadd, delete, grouping keys with "/", empty and non-ASCII values', async () => {
    await expectSameOutcome(await pythonScenario(python));
  });

  it('Node prom-client, plain and gzip', async () => {
    await expectSameOutcome(nodeScenario(false));
    await expectSameOutcome(nodeScenario(true));
  });

  it('leaves the replicas with the push and refusal counts of the oracle (what the Pushgateway-400s alert reads)', async () => {
    // The ingestion writes each accepted push as a PUT of the group's whole record (a POST included), so the
    // successful pushes are compared in number; refusals (400, by method) and deletes exactly.
    const byKind = (counts: Record<string, number>) => {
      const kinds: Record<string, number> = {};
      for (const [key, value] of Object.entries(counts)) {
        const kind = /^2\d\d push /.test(key) ? '2xx push' : key;
        kinds[kind] = (kinds[kind] ?? 0) + value;
      }
      return kinds;
    };
    const expected = await pushgatewayRequestCounts(oracle.url);
    expect(Object.keys(expected).some((k) => k.startsWith('400 push'))).toBe(true);
    for (const replica of replicas) {
      expect(byKind(await pushgatewayRequestCounts(replica.url))).toEqual(byKind(expected));
    }
  });
});
