import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { BucketAuditReport } from '../../lambdas/domain/audit/findings';
import { makeUlid, ulidRandomness } from '../../lambdas/domain/audit/ulid';
import { freePort } from '../../lib/devstack/processes';
import { PROJECT_ROOT } from '../../lib/paths';
import {
  type FakeThanosBucket,
  type FixtureBlock,
  HOUR,
  healthyBucket,
  putBlock,
  replicaStreams,
  settledBlockToDuplicate,
} from '../support/thanos-bucket';

const run = promisify(execFile);

/** The audit clock: 2h after the uploads, so a block uploaded without meta.json is past the consistency delay. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000 + 2 * HOUR);
const now = NOW.getTime();
const [replica0] = replicaStreams(1) as [Record<string, string>];

let server: S3rver;
let dir: string;
let endpoint: string;
let s3: S3Client;
let fixture: { bucket: FakeThanosBucket; blocks: FixtureBlock[] };
const defects: { partial?: string; overlap?: string; staleMark?: string } = {};
/** Bytes of each object as uploaded to s3rver. */
const uploaded = new Map<string, number>();

/** The test's environment without AWS credentials or endpoints: the command must work from flags alone. */
function withoutAwsSettings(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|ENDPOINT_URL)/.test(name)) delete env[name];
  return env;
}

function local(...args: string[]) {
  return run('npm', ['run', '--silent', 'local', '--', ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: withoutAwsSettings(),
    maxBuffer: 64 * 1024 * 1024,
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-s3rver-'));
  const port = await freePort();
  server = new S3rver({
    port,
    address: '127.0.0.1',
    directory: dir,
    silent: true,
    configureBuckets: [
      { name: 'thanos', configs: [] },
      { name: 'reports', configs: [] },
    ],
  });
  await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  s3 = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

  fixture = healthyBucket({ now: NOW });
  const { bucket, blocks } = fixture;
  let n = 0;
  const extra = (b: Omit<FixtureBlock, 'ulid'>): FixtureBlock => ({
    ...b,
    ulid: makeUlid(b.createdAt, ulidRandomness(500_000 + ++n)),
  });
  // An aborted upload: chunks and index, no meta.json.
  const partial = extra({
    minTime: now - 6 * HOUR,
    maxTime: now - 4 * HOUR,
    resolution: 'raw',
    level: 1,
    labels: replica0,
    source: 'sidecar',
    createdAt: now - 3 * HOUR,
  });
  putBlock(bucket, partial, { meta: false });
  defects.partial = partial.ulid;
  // A duplicate of a settled raw block (same stream, same range): the compactor would halt on it.
  const original = settledBlockToDuplicate(blocks, now);
  const overlap = extra({ ...original, createdAt: original.createdAt + 60_000 });
  putBlock(bucket, overlap);
  defects.overlap = overlap.ulid;
  // A deletion mark the compactor never acted on.
  const stale = blocks.find((b) => b.resolution === '1h' && b.markedAt === undefined);
  if (!stale) throw new Error('fixture has no 1h block');
  bucket.putText(
    `${stale.ulid}/deletion-mark.json`,
    JSON.stringify({ id: stale.ulid, deletion_time: Math.floor((now - 6 * 24 * HOUR) / 1000), version: 1 }),
    now,
  );
  defects.staleMark = stale.ulid;

  const keys = [...bucket.objects.keys()];
  for (let i = 0; i < keys.length; i += 32) {
    await Promise.all(
      keys.slice(i, i + 32).map(async (key) => {
        const object = bucket.objects.get(key);
        const Body = object?.body ? object.body() : `block data of ${key}\n`;
        uploaded.set(key, Buffer.byteLength(Body));
        await s3.send(new PutObjectCommand({ Bucket: 'thanos', Key: key, Body }));
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `npm run local -- audit` of the fixture bucket at NOW: the report it prints. */
async function auditFixture(): Promise<BucketAuditReport> {
  const { stdout } = await local(
    'audit',
    '--bucket',
    'thanos',
    '--report-bucket',
    'reports',
    '--s3-endpoint',
    endpoint,
    '--now',
    NOW.toISOString(),
  );
  return JSON.parse(stdout) as BucketAuditReport;
}

describe('npm run local -- audit, against s3rver holding a real Thanos bucket', () => {
  let first: BucketAuditReport;

  it('prints the report JSON: the defects found, the healthy rest quiet, unsupported checks skipped', async () => {
    first = await auditFixture();
    expect(first.generatedAt).toBe(NOW.toISOString());
    expect(first.bucket).toBe('thanos');
    const serious = first.findings.filter((f) => f.severity !== 'info').map((f) => [f.code, f.block]);
    expect(serious.sort()).toEqual(
      [
        ['OVERLAPPING_BLOCKS', defects.overlap],
        ['PARTIAL_BLOCK', defects.partial],
        ['STALE_DELETION_MARK', defects.staleMark],
      ].sort(),
    );
    expect(first.status).toBe('critical');
    // s3rver 3.7 answers NotImplemented for these: the checks are reported as skipped (unit tests cover them).
    expect(first.skippedChecks.map((s) => s.check).sort()).toEqual(['encryption', 'lifecycle', 'publicAccessBlock']);
    expect(first.skippedChecks[0]?.reason).toMatch(/^NotImplemented/);
    expect(first.inventory.blocks).toBe(fixture.blocks.length + 1);
    expect(first.reads.metaJson).toBe(fixture.blocks.length + 1);
    // Bytes per resolution: every object of each block with a meta.json, as s3rver lists them.
    const resolutionOf = new Map(fixture.blocks.map((b) => [b.ulid, b.resolution] as const));
    resolutionOf.set(defects.overlap as string, 'raw');
    const expected = { raw: 0, '5m': 0, '1h': 0 };
    for (const [key, size] of uploaded) {
      const resolution = resolutionOf.get(key.slice(0, key.indexOf('/')));
      if (resolution) expected[resolution] += size;
    }
    expect(expected.raw).toBeGreaterThan(0);
    expect(first.inventory.bytesByResolution).toEqual(expected);
    // The compactor left nothing behind in the fixture (the duplicate sits in the newest, open 8h window).
    expect(first.inventory.backlog).toEqual({
      compaction: { blocks: 0, bytes: 0 },
      downsampling: { blocks: 0, bytes: 0 },
      graceHours: 6,
    });
  });

  it('wrote the same report to audit/latest.json and a dated key, and its state to audit-state/', async () => {
    const read = async (Key: string) =>
      (await s3.send(new GetObjectCommand({ Bucket: 'reports', Key }))).Body?.transformToString() ?? '';
    const iso = NOW.toISOString();
    const dated = `audit/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso}.json`;
    expect(JSON.parse(await read('audit/latest.json'))).toEqual(first);
    expect(JSON.parse(await read(dated))).toEqual(first);
    const state = await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: 'audit-state/thanos/state.json.gz' }));
    expect((await state.Body?.transformToByteArray())?.slice(0, 2)).toEqual(new Uint8Array([0x1f, 0x8b]));
  });

  it('a second run over the unchanged bucket reads no meta.json and finds the same', async () => {
    const second = await auditFixture();
    expect(second.reads).toEqual({ metaJson: 0, deletionMarks: 0, fromState: first.inventory.blocks });
    expect(second.findings).toEqual(first.findings);
  });

  it('rejects bad flags with exit code 2 and a message naming the flag', async () => {
    await expect(
      local('audit', '--bucket', 'thanos', '--report-bucket', 'reports', '--now', 'yesterday'),
    ).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('--now must be an ISO 8601 time'),
    });
  });
});
