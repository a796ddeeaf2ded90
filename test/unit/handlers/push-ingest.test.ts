import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  type ForwardedPush,
  type PushgatewayReplica,
  ReplicaUnavailableError,
  type StoredGroup,
  toStoredGroup,
} from '../../../lambdas/adapters/pushgateway';
import { FileRepairJournal } from '../../../lambdas/adapters/repair-journal';
import { REFUSAL_MARKER_METRIC } from '../../../lambdas/domain/push-refusal';
import {
  type Logger,
  MISSED_HEADER,
  makeHandler,
  makeRepair,
  type PushRequest,
} from '../../../lambdas/handlers/push-ingest/handler';

/** A replica in memory: records what it was sent, can be taken down. */
class FakeReplica implements PushgatewayReplica {
  readonly url = 'http://fake';
  received: ForwardedPush[] = [];
  stateReads = 0;
  down = false;
  groupsHeld: StoredGroup[] = [];
  constructor(readonly name: string) {}
  async push(request: ForwardedPush) {
    if (this.down) throw new ReplicaUnavailableError(`${this.name}: connection refused`);
    this.received.push(request);
    return { status: request.method === 'DELETE' ? 202 : 200, body: '' };
  }
  async groups() {
    if (this.down) throw new ReplicaUnavailableError(`${this.name}: connection refused`);
    this.stateReads++;
    return this.groupsHeld;
  }
  async ownFamilies() {
    if (this.down) throw new ReplicaUnavailableError(`${this.name}: connection refused`);
    return new Map([['go_goroutines', 'gauge' as const]]);
  }
}

const logger: Logger = { info() {}, warn() {}, error() {} };

function request(
  method: string,
  p: string,
  body: string | Buffer = '',
  headers: Record<string, string> = {},
): PushRequest {
  return { method, path: p, rawPath: p, headers, body: typeof body === 'string' ? Buffer.from(body) : body };
}

describe('push-ingest handler', () => {
  let dir: string;
  let journal: FileRepairJournal;
  let replicas: [FakeReplica, FakeReplica];
  let handle: ReturnType<typeof makeHandler>;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-journal-'));
    journal = new FileRepairJournal(path.join(dir, 'journal.jsonl'));
    replicas = [new FakeReplica('pushgateway-0'), new FakeReplica('pushgateway-1')];
    handle = makeHandler({ replicas, journal, maxPayloadBytes: 1024, logger });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes every replica and answers 200 without a missed header', async () => {
    const response = await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    expect(response).toEqual({ status: 200, headers: {}, body: '' });
    expect(replicas.map((r) => r.received.map((p) => [p.method, p.path]))).toEqual([
      [['PUT', '/metrics/job/batch']],
      [['PUT', '/metrics/job/batch']],
    ]);
  });

  /** What each replica was sent: only the marker a refusal leaves (see domain/push-refusal.ts), or nothing. */
  const sent = () => replicas.map((r) => r.received.map((p) => [p.method, p.path, Buffer.from(p.body).toString()]));
  const parseMarker = (method: string, p: string) => [method, p, REFUSAL_MARKER_METRIC];
  const storageMarker = (method: string, p: string) => [
    method,
    p,
    `${REFUSAL_MARKER_METRIC} 1\n${REFUSAL_MARKER_METRIC} 1\n`,
  ];

  it('answers 400 naming line and column; the replicas get only a push they refuse at parsing too', async () => {
    const response = await handle(request('PUT', '/metrics/job/batch', 'x 1\ny{a=1} 2\n'));
    expect(response.status).toBe(400);
    expect(response.body).toBe(
      `text format parsing error in line 2, column 5: expected '"' at start of label value, found '1'\n`,
    );
    expect(sent()).toEqual([[parseMarker('PUT', '/metrics/job/batch')], [parseMarker('PUT', '/metrics/job/batch')]]);
  });

  it('refuses a push inconsistent with what a replica holds, before touching any', async () => {
    replicas[1].groupsHeld = [
      toStoredGroup({
        labels: { job: 'other' },
        x: { type: 'GAUGE', metrics: [{ labels: { job: 'other', instance: '' }, value: '1' }] },
      }),
    ];
    const response = await handle(request('POST', '/metrics/job/batch', '# TYPE x counter\nx 1\n'));
    expect(response.status).toBe(400);
    expect(response.body).toBe(
      'pushed metrics are invalid or inconsistent with existing metrics: collected metric "x" { label:<name:"instance" value:"" > label:<name:"job" value:"batch" > } is not a GAUGE\n',
    );
    // Not the push: a push every Pushgateway refuses at its consistency check, recording the failure for the group.
    expect(sent()).toEqual([
      [storageMarker('POST', '/metrics/job/batch')],
      [storageMarker('POST', '/metrics/job/batch')],
    ]);
  });

  it('answers 413 above the payload limit, 405 for other methods, 404 off the API, 400 for a bad path', async () => {
    expect((await handle(request('PUT', '/metrics/job/batch', 'x 1\n'.repeat(300)))).status).toBe(413);
    expect((await handle(request('GET', '/metrics/job/batch'))).status).toBe(405);
    expect((await handle(request('PUT', '/other', 'x 1\n'))).status).toBe(404);
    expect(replicas.every((r) => r.received.length === 0)).toBe(true);
    expect((await handle(request('PUT', '/metrics/job/batch/odd', 'x 1\n'))).status).toBe(400);
    expect(sent()).toEqual([
      [parseMarker('PUT', '/metrics/job/batch/odd')],
      [parseMarker('PUT', '/metrics/job/batch/odd')],
    ]);
  });

  it('accepts gzip bodies, refuses corrupt ones and gzip bombs', async () => {
    const gz = zlib.gzipSync('x 1\n');
    expect((await handle(request('PUT', '/metrics/job/g', gz, { 'content-encoding': 'gzip' }))).status).toBe(200);
    expect(replicas[0].received[0]?.contentEncoding).toBe('gzip');
    expect((await handle(request('PUT', '/metrics/job/g', 'x 1\n', { 'content-encoding': 'gzip' }))).status).toBe(400);
    const bomb = zlib.gzipSync(`${'# '.padEnd(100_000, 'a')}\n`);
    expect(bomb.byteLength).toBeLessThan(1024);
    expect((await handle(request('PUT', '/metrics/job/g', bomb, { 'content-encoding': 'gzip' }))).status).toBe(413);
  });

  it('acknowledges when one replica is down, names it, journals the push, and the repair replays it in order', async () => {
    replicas[1].down = true;
    const first = await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    expect(first.status).toBe(200);
    expect(first.headers[MISSED_HEADER]).toBe('pushgateway-1');
    const second = await handle(request('DELETE', '/metrics/job/batch'));
    expect(second.status).toBe(202);
    expect(second.headers[MISSED_HEADER]).toBe('pushgateway-1');
    expect((await journal.pending('pushgateway-1')).map((e) => e.method)).toEqual(['PUT', 'DELETE']);

    // A journal reopened from its file (a restart) still owes both pushes.
    const reopened = new FileRepairJournal(path.join(dir, 'journal.jsonl'));
    expect(reopened.size()).toBe(2);

    replicas[1].down = false;
    // The replica is back but owes pushes: a new push waits behind them, in order.
    const third = await handle(request('PUT', '/metrics/job/later', 'y 1\n'));
    expect(third.headers[MISSED_HEADER]).toBe('pushgateway-1');
    expect(replicas[1].received).toEqual([]);

    const report = await makeRepair({ replicas, journal, logger })();
    expect(report).toEqual({ replayed: 3, dropped: 0, reconciled: 0, behind: [] });
    expect(replicas[1].received.map((p) => [p.method, p.path, Buffer.from(p.body).toString()])).toEqual([
      ['PUT', '/metrics/job/batch', 'x 1\n'],
      ['DELETE', '/metrics/job/batch', ''],
      ['PUT', '/metrics/job/later', 'y 1\n'],
    ]);
    expect(journal.size()).toBe(0);
  });

  it('answers 503 and journals nothing when no replica takes the push', async () => {
    replicas[0].down = true;
    replicas[1].down = true;
    const response = await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    expect(response.status).toBe(503);
    expect(journal.size()).toBe(0);
  });

  it('does not acknowledge a push it could not journal for the replica that missed it', async () => {
    replicas[1].down = true;
    const failing = Object.assign(Object.create(journal), {
      append: async () => {
        throw new Error('disk full');
      },
    }) as FileRepairJournal;
    const response = await makeHandler({ replicas, journal: failing, maxPayloadBytes: 1024, logger })(
      request('PUT', '/metrics/job/batch', 'x 1\n'),
    );
    expect(response.status).toBe(503);
  });

  it('repair keeps entries while the replica is still down', async () => {
    replicas[1].down = true;
    await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    const report = await makeRepair({ replicas, journal, logger })();
    expect(report).toEqual({ replayed: 0, dropped: 0, reconciled: 0, behind: ['pushgateway-1'] });
    expect(journal.size()).toBe(1);
  });

  describe('with a snapshot of the replicas (stateMaxAgeMs)', () => {
    const gauge = (job: string) =>
      toStoredGroup({
        labels: { job },
        x: { type: 'GAUGE', metrics: [{ labels: { job, instance: '' }, value: '1' }] },
      });

    it('validates consecutive pushes against the snapshot, kept current with its own writes', async () => {
      const cached = makeHandler({ replicas, journal, maxPayloadBytes: 1024, logger, stateMaxAgeMs: 60_000 });
      expect((await cached(request('PUT', '/metrics/job/a', '# TYPE x gauge\nx 1\n'))).status).toBe(200);
      expect((await cached(request('PUT', '/metrics/job/c', 'z 1\n'))).status).toBe(200);
      expect(replicas[0].stateReads).toBe(1);
      // The snapshot holds x as a gauge in job=a (our own write), so a counter x looks inconsistent: the state is read
      // again before refusing. These fake replicas never store pushes, so the fresh state has no x: accepted.
      expect((await cached(request('PUT', '/metrics/job/b', '# TYPE x counter\nx 1\n'))).status).toBe(200);
      expect(replicas[0].stateReads).toBe(2);
    });

    it('refuses when the fresh state confirms the conflict', async () => {
      replicas[0].groupsHeld = [gauge('a')];
      const cached = makeHandler({ replicas, journal, maxPayloadBytes: 1024, logger, stateMaxAgeMs: 60_000 });
      const response = await cached(request('PUT', '/metrics/job/b', '# TYPE x counter\nx 1\n'));
      expect(response.status).toBe(400);
      expect(response.body).toMatch(/collected metric "x" \{ .*label:<name:"job" value:"b" > \} is not a GAUGE/);
      expect(replicas.every((r) => r.received.every((p) => p.method === 'PUT' && /refused/.test(String(p.body))))).toBe(
        true,
      );
    });

    it('does not refuse on a stale snapshot: a 400 needs the current state to agree', async () => {
      replicas[0].groupsHeld = [gauge('old')];
      replicas[1].groupsHeld = [gauge('old')];
      const cached = makeHandler({ replicas, journal, maxPayloadBytes: 1024, logger, stateMaxAgeMs: 60_000 });
      expect((await cached(request('PUT', '/metrics/job/first', 'y 1\n'))).status).toBe(200);
      // The conflicting group disappears behind our back (another writer deleted it).
      replicas[0].groupsHeld = [];
      replicas[1].groupsHeld = [];
      const response = await cached(request('PUT', '/metrics/job/b', '# TYPE x counter\nx 1\n'));
      expect(response.status).toBe(200);
    });
  });
});
