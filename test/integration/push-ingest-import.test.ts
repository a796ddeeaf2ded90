import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Reader, Root } from 'protobufjs/light';
import { PROTOBUF_EXPOSITION } from '../../lambdas/adapters/pushgateway';
import { METRICS_PROTO_DESCRIPTOR } from '../../lambdas/domain/exposition/protobuf-descriptor';
import { delimitedBody } from '../../lambdas/domain/exposition/protobuf-encode';
import { PROTOBUF_DELIMITED } from '../../lambdas/domain/group-record';
import { groupingKeyId } from '../../lambdas/domain/grouping-key';
import { type IngestServer, startIngestServer } from '../../lambdas/local/ingest-server';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { eventually } from '../support/eventually';

/**
 * A store used for the first time in front of replicas that already hold groups imports them. What only protobuf
 * carries (a native histogram) must survive the import: the record, and so the replica the repair fills from it,
 * holds the native histogram the first replica was pushed, not its classic-bucket rendering.
 */

jest.setTimeout(120_000);
requireBinaries(['pushgateway']);

const familyType = Root.fromJSON(METRICS_PROTO_DESCRIPTOR).lookupType('io.prometheus.client.MetricFamily');

/** A native histogram as client_golang 1.14 pushes one (schema 3, no classic buckets), job `native`. */
function nativeHistogramPush(): Uint8Array {
  const message = familyType.fromObject({
    name: 'batch_native_seconds',
    help: 'A native histogram.',
    type: 4, // HISTOGRAM
    metric: [
      {
        label: [{ name: 'stage', value: 'load' }],
        histogram: {
          sample_count: 7,
          sample_sum: 12.5,
          schema: 3,
          zero_threshold: 1e-128,
          zero_count: 1,
          positive_span: [
            { offset: 0, length: 2 },
            { offset: 3, length: 1 },
          ],
          positive_delta: [2, 1, -1],
        },
      },
    ],
  });
  return delimitedBody([familyType.encode(message).finish()]);
}

/** The histogram fields of `family` for job `job`, from a Pushgateway's protobuf `/metrics`. */
async function exposedHistogram(
  url: string,
  family: string,
  job: string,
): Promise<{ help?: string; labels: unknown; histogram?: { schema?: number } } | undefined> {
  const response = await fetch(`${url}/metrics`, { headers: { accept: PROTOBUF_EXPOSITION } });
  const body = new Uint8Array(await response.arrayBuffer());
  const reader = Reader.create(body);
  while (reader.pos < reader.len) {
    const decoded = familyType.toObject(familyType.decode(reader, reader.uint32()), { longs: String }) as {
      name: string;
      help?: string;
      metric: { label: { name: string; value: string }[]; histogram?: { schema?: number } & Record<string, unknown> }[];
    };
    if (decoded.name !== family) continue;
    const metric = decoded.metric.find((m) => m.label.some((l) => l.name === 'job' && l.value === job));
    return metric ? { help: decoded.help, labels: metric.label, histogram: metric.histogram } : undefined;
  }
  return undefined;
}

interface FreshReplicas {
  workDir: string;
  replicas: [RunningComponent, RunningComponent];
  ingest: IngestServer | undefined;
}

/**
 * Two empty Pushgateways and a work folder for one describe block, and the ingestion its test starts (closed after
 * it): a store used for the first time in front of them.
 */
function freshReplicas(prefix: string): FreshReplicas {
  const run = {} as FreshReplicas;
  beforeAll(async () => {
    run.workDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    run.replicas = await Promise.all([startPushgateway(), startPushgateway()]);
  });
  afterAll(async () => {
    await run.ingest?.close();
    await Promise.all((run.replicas ?? []).map((r) => r.stop()));
    fs.rmSync(run.workDir, { recursive: true, force: true });
  });
  return run;
}

describe('a new store imports what the replicas already hold', () => {
  const run = freshReplicas('gl-ingest-import-');

  it('keeps a native histogram pushed straight to one replica, and fills the other with it', async () => {
    const [first, second] = run.replicas;
    // Pushed before the ingestion exists: to the first replica only, one protobuf group and one text group.
    const pushed = await fetch(`${first.url}/metrics/job/native/instance/a`, {
      method: 'PUT',
      headers: { 'content-type': PROTOBUF_DELIMITED },
      body: nativeHistogramPush(),
    });
    expect(pushed.status).toBe(200);
    const text = await fetch(`${first.url}/metrics/job/plain`, {
      method: 'PUT',
      body: '# HELP plain_total Counted.\n# TYPE plain_total counter\nplain_total{kind="x"} 3\n',
    });
    expect(text.status).toBe(200);
    const original = await exposedHistogram(first.url, 'batch_native_seconds', 'native');
    expect(original?.histogram?.schema).toBe(3); // the replica holds it as a native histogram

    const ingest = await startIngestServer({
      pushgateways: [first.url, second.url],
      storeFile: path.join(run.workDir, 'store.jsonl'),
      repairIntervalMs: 200,
    });
    run.ingest = ingest;
    // The record holds the family as protobuf, native fields included.
    const record = (await ingest.store.get(groupingKeyId({ job: 'native', instance: 'a' })))?.record;
    expect(record?.families.map((f) => [f.name, f.type, f.protobuf !== undefined])).toEqual([
      ['batch_native_seconds', 'histogram', true],
    ]);
    // The repair brings the second replica to the records: the same native histogram, the same text group.
    await eventually(
      async () => {
        expect(await exposedHistogram(second.url, 'batch_native_seconds', 'native')).toEqual(original);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const plain = await (await fetch(`${second.url}/metrics`)).text();
    expect(plain).toContain('# HELP plain_total Counted.\n');
    expect(plain).toContain('plain_total{instance="",job="plain",kind="x"} 3\n');
    // And the first replica still holds it as pushed (the import wrote nothing over it).
    expect(await exposedHistogram(first.url, 'batch_native_seconds', 'native')).toEqual(original);
  });
});

describe('a new store leaves out what no push through the ingestion could make', () => {
  const run = freshReplicas('gl-ingest-import-le-');

  it('starts beside a replica holding a histogram grouped by le, imports the rest, and drops that group from it', async () => {
    const [first, second] = run.replicas;
    // Straight to the first replica, which takes it (Pushgateway 1.5.1 has no check for it) and exposes each bucket
    // with two le labels, as its protobuf /metrics carries the grouping label beside the bucket bounds.
    const poisoned = await fetch(`${first.url}/metrics/job/lh/le/5`, {
      method: 'PUT',
      body: '# TYPE lh_seconds histogram\nlh_seconds_bucket{le="1"} 1\nlh_seconds_bucket{le="+Inf"} 2\nlh_seconds_sum 3\nlh_seconds_count 2\n',
    });
    expect(poisoned.status).toBe(200);
    expect(await (await fetch(`${first.url}/metrics`)).text()).toContain(
      'lh_seconds_bucket{instance="",job="lh",le="5",le="1"} 1\n',
    );
    expect((await fetch(`${first.url}/metrics/job/kept`, { method: 'PUT', body: 'kept_total 4\n' })).status).toBe(200);

    const errors: { message: string; extra: unknown }[] = [];
    const ingest = await startIngestServer({
      pushgateways: [first.url, second.url],
      storeFile: path.join(run.workDir, 'store.jsonl'),
      repairIntervalMs: 200,
      logger: { info() {}, warn() {}, error: (message, extra) => errors.push({ message, extra }) },
    });
    run.ingest = ingest;
    expect(await ingest.store.get(groupingKeyId({ job: 'lh', le: '5' }))).toBeUndefined();
    expect((await ingest.store.get(groupingKeyId({ job: 'kept' })))?.record.families.map((f) => f.name)).toEqual([
      'kept_total',
    ]);
    expect(errors).toEqual([
      {
        message: 'a replica holds a group the ingestion refuses; not imported, and dropped from the replica',
        extra: expect.objectContaining({
          group: { job: 'lh', le: '5' },
          reason: expect.stringMatching(/histogram lh_seconds in a group with the grouping label le/),
        }),
      },
    ]);
    // Serving: a push is acknowledged, and the second replica gets the imported group, never the one left out.
    const pushed = await fetch(`${ingest.url}/metrics/job/after`, { method: 'PUT', body: 'after_total 1\n' });
    expect(pushed.status).toBe(200);
    await eventually(
      async () => {
        const text = await (await fetch(`${second.url}/metrics`)).text();
        expect(text).toContain('kept_total{instance="",job="kept"} 4\n');
        expect(text).toContain('after_total{instance="",job="after"} 1\n');
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(await (await fetch(`${second.url}/metrics`)).text()).not.toContain('job="lh"');
    // The first replica is resynchronised from the store: the group no record has goes, the others stay.
    await eventually(
      async () => {
        const text = await (await fetch(`${first.url}/metrics`)).text();
        expect(text).not.toContain('job="lh"');
        expect(text).toContain('kept_total{instance="",job="kept"} 4\n');
        expect(text).toContain('after_total{instance="",job="after"} 1\n');
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
  });
});
