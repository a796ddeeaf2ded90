import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FileGroupStore, updateEntry } from '../../../lambdas/adapters/group-store';
import {
  type ForwardedPush,
  type PushgatewayReplica,
  type ReplicaAnswer,
  ReplicaUnavailableError,
  type StoredGroup,
  toStoredGroup,
} from '../../../lambdas/adapters/pushgateway';
import { COMPACTOR_PUSH_JOB } from '../../../lambdas/domain/compactor-metrics';
import { familyMarkName, keyMarkName } from '../../../lambdas/domain/conflict-marks';
import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import { nextRecord, storedFamilies } from '../../../lambdas/domain/group-record';
import { acknowledgeEntry, commitEntry, needsRepair, type SyncTiming } from '../../../lambdas/domain/group-sync';
import { formatGroupingPath, groupingKeyId } from '../../../lambdas/domain/grouping-key';
import { DEFAULT_PUSH_LIMITS, type PushLimits } from '../../../lambdas/domain/push-limits';
import { REFUSAL_MARKER_METRIC } from '../../../lambdas/domain/push-refusal';
import { KEY_NAMES_MARK, registeredKeyNames } from '../../../lambdas/domain/series-crossings';
import { composePushIngest } from '../../../lambdas/handlers/push-ingest/compose';
import { MAX_CANDIDATE_READS } from '../../../lambdas/handlers/push-ingest/crossing-lookup';
import { GroupView } from '../../../lambdas/handlers/push-ingest/group-view';
import {
  type Logger,
  MISSED_HEADER,
  makeHandler,
  PATH_REFUSAL_TARGET,
} from '../../../lambdas/handlers/push-ingest/handler';
import { bootstrapStore, makeRepair } from '../../../lambdas/handlers/push-repair/repair';
import { eventually } from '../../support/eventually';
import { handlerRequest } from '../../support/handler-request';

/**
 * A replica in memory: keeps what it was last PUT per group (the Pushgateway replaces the group on PUT and removes
 * it on DELETE), can be taken down, can refuse, can apply and then not answer in time.
 */
class FakeReplica implements PushgatewayReplica {
  readonly url = 'http://fake';
  received: ForwardedPush[] = [];
  held = new Map<string, string>();
  state: 'up' | 'down' | 'refusing' | 'slow' = 'up';
  run = 1;
  /** Pushes to `path` wait for `gate`, then find the replica down (not applied). */
  heldBack: { path: string; gate: Promise<void> } | undefined;
  constructor(readonly name: string) {}
  async push(request: ForwardedPush): Promise<ReplicaAnswer> {
    if (this.heldBack && request.path === this.heldBack.path) {
      await this.heldBack.gate;
      throw new ReplicaUnavailableError(`${this.name}: connection refused`, false);
    }
    if (this.state === 'down') throw new ReplicaUnavailableError(`${this.name}: connection refused`, false);
    if (this.state === 'refusing') return { status: 400, body: 'pushed metrics are invalid or inconsistent' };
    this.received.push(request);
    // A refusal marker (domain/push-refusal.ts) is a push every Pushgateway refuses.
    if (Buffer.from(request.body).includes(REFUSAL_MARKER_METRIC)) return { status: 400, body: 'refused' };
    if (request.method === 'DELETE') this.held.delete(request.path);
    else this.held.set(request.path, Buffer.from(request.body).toString('utf8'));
    if (this.state === 'slow') throw new ReplicaUnavailableError(`${this.name}: no answer within 5000 ms`, true);
    return { status: request.method === 'DELETE' ? 202 : 200, body: '' };
  }
  /** Groups it held before the store existed (as `/api/v1/metrics` shows them). */
  before: StoredGroup[] = [];
  async groups(): Promise<StoredGroup[]> {
    return this.before;
  }
  /** No protobuf view here: the import falls back to the groups as `/api/v1/metrics` shows them. */
  async exposition(): Promise<Uint8Array> {
    throw new ReplicaUnavailableError(`${this.name}: /metrics answered 500`);
  }
  async ownFamilies() {
    if (this.state === 'down') throw new ReplicaUnavailableError(`${this.name}: connection refused`);
    return new Map([['go_goroutines', 'gauge' as const]]);
  }
  async incarnation() {
    if (this.state === 'down') throw new ReplicaUnavailableError(`${this.name}: connection refused`);
    return `run-${this.run}`;
  }
}

const logger: Logger = { info() {}, warn() {}, error() {} };
const TIMING: SyncTiming = { leaseMs: 7000, writerExpiryMs: 60_000 };
/** The canonical path the ingestion writes a group to (every value base64). */
const BATCH = '/metrics/job@base64/YmF0Y2g';

const request = handlerRequest;

/** The families of an exposition (it must parse). */
function parsed(text: string) {
  const result = parseExposition(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.families;
}

describe('push-ingest handler', () => {
  let dir: string;
  let store: FileGroupStore;
  let replicas: [FakeReplica, FakeReplica];
  let clock: number;
  let handle: ReturnType<typeof makeHandler>;
  const build = async (limits: Partial<PushLimits> = {}) => {
    const view = await GroupView.load(store);
    handle = makeHandler({
      replicas,
      store,
      view,
      limits: { ...DEFAULT_PUSH_LIMITS, maxBodyBytes: 1024, ...limits },
      timing: TIMING,
      logger,
      now: () => clock,
    });
  };

  /** Another ingestion instance on the same store and replicas, validating against `view`. */
  const anotherInstance = (view: GroupView) =>
    makeHandler({ replicas, store, view, limits: DEFAULT_PUSH_LIMITS, timing: TIMING, logger, now: () => clock });

  /** Pushes to `path` wait on every replica until the returned function is called, then find it down. */
  const holdBack = (groupPath: string): (() => void) => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const replica of replicas) replica.heldBack = { path: groupPath, gate };
    return release;
  };
  /** Resolves once the store holds a record of `key`. */
  const untilStored = (key: Record<string, string>) =>
    eventually(
      async () => {
        if (!(await store.get(groupingKeyId(key)))) throw new Error('not committed yet');
      },
      { timeoutMs: 5000, intervalMs: 5 },
    );
  /** Counts the store's reads by id of the groups `counted` picks. */
  const countGets = (counted: (id: string) => boolean) => {
    const gets = { count: 0 };
    const get = store.get.bind(store);
    store.get = (id) => {
      if (counted(id)) gets.count++;
      return get(id);
    };
    return gets;
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-ingest-unit-'));
    replicas = [new FakeReplica('pushgateway-0'), new FakeReplica('pushgateway-1')];
    store = new FileGroupStore(path.join(dir, 'store.jsonl'), (e) =>
      needsRepair(e, ['pushgateway-0', 'pushgateway-1']),
    );
    clock = 1_000_000;
    await build();
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores the push as version 1 of its group and PUTs the group to every replica', async () => {
    const response = await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    expect(response).toEqual({ status: 200, headers: {}, body: '' });
    for (const replica of replicas) expect([...replica.held]).toEqual([[BATCH, 'x 1\n']]);
    const entry = await store.get(groupingKeyId({ job: 'batch' }));
    expect(entry?.record.version).toBe(1);
    expect(entry?.synced).toEqual({ 'pushgateway-0': 1, 'pushgateway-1': 1 });
  });

  it('reads nothing of a group whose last push it acknowledged: it builds on the entry it stored then', async () => {
    const id = groupingKeyId({ job: 'batch' });
    await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    const gets = countGets((read) => read === id);

    expect((await handle(request('PUT', '/metrics/job/batch', 'x 2\n'))).status).toBe(200);
    expect((await handle(request('POST', '/metrics/job/batch', 'y 3\n'))).status).toBe(200);

    expect(gets.count).toBe(0);
    const entry = await store.get(id);
    expect([entry?.record.version, entry?.acked, entry?.writers]).toEqual([3, 3, {}]);
    expect(entry?.synced).toEqual({ 'pushgateway-0': 3, 'pushgateway-1': 3 });
    for (const replica of replicas) expect(replica.held.get(BATCH)).toBe('x 2\ny 3\n');
  });

  it('reads the store when another instance pushed the group since: a POST keeps what that one added', async () => {
    await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    const other = anotherInstance(await GroupView.load(store));
    expect((await other(request('POST', '/metrics/job/batch', 'y 2\n'))).status).toBe(200);
    const gets = countGets((read) => read === groupingKeyId({ job: 'batch' }));

    // Built on the entry this instance acknowledged (version 1), the commit fails; then on the store's (version 2),
    // read once.
    expect((await handle(request('POST', '/metrics/job/batch', 'z 3\n'))).status).toBe(200);

    expect(gets.count).toBe(1);
    for (const replica of replicas) expect(replica.held.get(BATCH)).toBe('x 1\ny 2\nz 3\n');
    expect((await store.get(groupingKeyId({ job: 'batch' })))?.record.version).toBe(3);
  });

  it('reads the group again when the repair wrote it between the commit and the acknowledgement, keeping its write', async () => {
    const id = groupingKeyId({ job: 'batch' });
    await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    const gets = countGets((read) => read === id);
    // While the replicas are written, the repair takes a dead writer's lease (a write the acknowledgement must keep).
    const push = replicas[0].push.bind(replicas[0]);
    replicas[0].push = async (forwarded) => {
      await updateEntry(store, id, (current) =>
        current
          ? { entry: { ...current, rev: current.rev + 1, abandonedUntil: clock + 7000 }, result: undefined }
          : undefined,
      );
      return push(forwarded);
    };

    expect((await handle(request('PUT', '/metrics/job/batch', 'x 2\n'))).status).toBe(200);

    // The repair's own read, and the acknowledgement's second attempt (its first was built on the commit's entry).
    expect(gets.count).toBe(2);
    const entry = await store.get(id);
    expect([entry?.record.version, entry?.acked, entry?.abandonedUntil]).toEqual([2, 2, clock + 7000]);
  });

  /** What each replica was sent: only the marker a refusal leaves (see domain/push-refusal.ts), or nothing. */
  const sent = () => replicas.map((r) => r.received.map((p) => [p.method, p.path, Buffer.from(p.body).toString()]));
  const parseMarker = (method: string, p: string) => [method, p, REFUSAL_MARKER_METRIC];
  const storageMarker = (method: string, p: string) => [
    method,
    p,
    `${REFUSAL_MARKER_METRIC} 1\n${REFUSAL_MARKER_METRIC} 1\n`,
  ];

  it('sends a POST as the whole merged group, so a replica that missed earlier pushes still ends right', async () => {
    await handle(request('PUT', '/metrics/job/batch', 'x 1\ny 2\n'));
    replicas[1].held.clear(); // as if it had restarted
    expect((await handle(request('POST', '/metrics/job/batch', 'y 3\nz 4\n'))).status).toBe(200);
    for (const replica of replicas) expect(replica.held.get(BATCH)).toBe('x 1\ny 3\nz 4\n');
  });

  it('answers 400 naming line and column; the replicas get only a push they refuse at parsing too', async () => {
    const response = await handle(request('PUT', '/metrics/job/batch', 'x 1\ny{a=1} 2\n'));
    expect(response.status).toBe(400);
    expect(response.body).toBe(
      `text format parsing error in line 2, column 5: expected '"' at start of label value, found '1'\n`,
    );
    expect(sent()).toEqual([[parseMarker('PUT', '/metrics/job/batch')], [parseMarker('PUT', '/metrics/job/batch')]]);
    expect(store.size()).toBe(0);
  });

  it('refuses a push inconsistent with another group before touching any replica', async () => {
    await handle(request('PUT', '/metrics/job/a', '# TYPE m counter\nm 1\n'));
    const response = await handle(request('PUT', '/metrics/job/b', '# TYPE m gauge\nm 1\n'));
    expect(response.status).toBe(400);
    expect(response.body).toBe(
      'pushed metrics are invalid or inconsistent with existing metrics: collected metric "m" { label:<name:"instance" value:"" > label:<name:"job" value:"b" > } is not a COUNTER\n',
    );
    // Not the push: a push every Pushgateway refuses at its consistency check, recording the failure for the group.
    expect(sent()).toEqual([
      [['PUT', '/metrics/job@base64/YQ', '# TYPE m counter\nm 1\n'], storageMarker('PUT', '/metrics/job/b')],
      [['PUT', '/metrics/job@base64/YQ', '# TYPE m counter\nm 1\n'], storageMarker('PUT', '/metrics/job/b')],
    ]);
    expect(store.size()).toBe(1);
  });

  describe('marks (domain/conflict-marks.ts)', () => {
    const M = familyMarkName('m');
    /** The store's mark calls, counted (a re-push of the same families must make none). */
    const countMarkCalls = () => {
      const calls = { get: 0, put: 0 };
      const getMarks = store.getMarks.bind(store);
      const putMark = store.putMark.bind(store);
      store.getMarks = (names) => {
        calls.get++;
        return getMarks(names);
      };
      store.putMark = (name, mark, epoch) => {
        calls.put++;
        return putMark(name, mark, epoch);
      };
      return calls;
    };

    it('marks the families a push introduces, and looks at none when its group already holds them', async () => {
      const calls = countMarkCalls();
      expect(
        (
          await handle(
            request('PUT', '/metrics/job/a', '# TYPE m counter\nm 1\n# TYPE go_goroutines gauge\ngo_goroutines 3\n'),
          )
        ).status,
      ).toBe(200);
      // One read of both marks (the family's, and the key's: the push created the group), one creation each; its
      // series are new, so one read of the registry of key names (series-crossings.ts), which it joins.
      expect(calls).toEqual({ get: 2, put: 3 });
      expect((await handle(request('PUT', '/metrics/job/a', '# TYPE m counter\nm 2\n'))).status).toBe(200);
      expect((await handle(request('POST', '/metrics/job/a', '# TYPE m counter\nm 3\n'))).status).toBe(200);
      expect(calls).toEqual({ get: 2, put: 3 });
      // The Pushgateway's own families are checked locally and never marked.
      expect(await store.getMarks([M, familyMarkName('go_goroutines')])).toEqual(
        new Map([[M, { value: 'counter', epoch: 1, pending: false }]]),
      );
    });

    it('lets a name change type once the group holding it is gone: the push settles, wins, and leaves its type', async () => {
      expect((await handle(request('PUT', '/metrics/job/a', '# TYPE m counter\nm 1\n'))).status).toBe(200);
      expect((await handle(request('DELETE', '/metrics/job/a', ''))).status).toBe(202);
      // Another instance (its own view) pushes `m` as a gauge: the mark says counter, so it settles, finds no holder.
      const other = anotherInstance(await GroupView.load(store));
      expect((await other(request('PUT', '/metrics/job/b', '# TYPE m gauge\nm 1\n'))).status).toBe(200);
      expect((await store.getMarks([M])).get(M)).toEqual({ value: 'gauge', epoch: 3, pending: false });
    });

    it('refuses a push whose family another group holds with another type, and leaves the mark as it found it', async () => {
      expect((await handle(request('PUT', '/metrics/job/a', '# TYPE m counter\nm 1\n'))).status).toBe(200);
      // An instance loaded before `a` existed: its own validation cannot see `a`; the replicas here check nothing.
      const staleView = new GroupView();
      const other = anotherInstance(staleView);
      const refused = await other(request('PUT', '/metrics/job/b', '# TYPE m gauge\nm 1\n'));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatch(/^pushed metrics are invalid or inconsistent with existing metrics: .*"m".*COUNTER/);
      expect(await store.get(groupingKeyId({ job: 'b' }))).toEqual(
        expect.objectContaining({ record: expect.objectContaining({ deleted: true }) }),
      );
      expect((await store.getMarks([M])).get(M)).toEqual({ value: 'counter', epoch: 3, pending: false });
    });

    it('refuses a group a stale instance creates beside one exposing the same label set, by the key mark', async () => {
      expect((await handle(request('PUT', '/metrics/job/p', 'a 1\n'))).status).toBe(200);
      expect((await store.getMarks([keyMarkName({ job: 'p' })])).get(keyMarkName({ job: 'p' }))).toEqual({
        value: groupingKeyId({ job: 'p' }),
        epoch: 1,
        pending: false,
      });
      const other = anotherInstance(new GroupView());
      // `{job="p",instance=""}` is the label set `{job="p"}` exposes: a Pushgateway holding one refuses the other.
      const refused = await other(request('PUT', '/metrics/job/p/instance@base64/=', 'b 1\n'));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatch(
        /^pushed metrics are invalid or inconsistent with existing metrics: .*push_time_seconds/,
      );
      const colliding = await store.get(groupingKeyId({ job: 'p', instance: '' }));
      expect(colliding === undefined || colliding.record.deleted).toBe(true);
      // Once `{job="p"}` is gone, an instance that has seen the DELETE may take the label set: its push finds the key
      // mark naming `{job="p"}`, settles, wins, and takes the mark.
      expect((await handle(request('DELETE', '/metrics/job/p', ''))).status).toBe(202);
      const later = anotherInstance(await GroupView.load(store));
      expect((await later(request('PUT', '/metrics/job/p/instance@base64/=', 'b 2\n'))).status).toBe(200);
      expect((await store.getMarks([keyMarkName({ job: 'p' })])).get(keyMarkName({ job: 'p' }))?.value).toBe(
        groupingKeyId({ job: 'p', instance: '' }),
      );
    });

    it('waits for a push in flight on the acknowledged version holding a type before taking the type from it', async () => {
      const S = familyMarkName('shared');
      expect((await handle(request('PUT', '/metrics/job/g', '# TYPE shared gauge\nshared 1\n'))).status).toBe(200);
      // The next push to g, without `shared`, reaches the replicas only once released, and then neither takes it:
      // it is put back to the acknowledged gauge.
      const release = holdBack('/metrics/job@base64/Zw');
      const replacing = handle(request('PUT', '/metrics/job/g', 'other 1\n'));
      // An instance that has not seen g pushes `shared` as a counter. The mark says gauge, and no record in the store
      // holds it (g's is the replacement in flight): deciding now, it would win and be acknowledged beside the gauge
      // put back. It waits for g's push to settle, and then loses to the gauge.
      const other = anotherInstance(new GroupView());
      const contradicting = other(request('PUT', '/metrics/job/c', '# TYPE shared counter\nshared 2\n'));
      await eventually(
        async () => {
          if (!(await store.getMarks([S])).get(S)?.pending) throw new Error('the counter has not claimed the mark yet');
        },
        { timeoutMs: 5000, intervalMs: 5 },
      );
      release();
      expect((await replacing).status).toBe(503);
      const refused = await contradicting;
      expect(refused.status).toBe(400);
      expect(refused.body).toMatch(
        /^pushed metrics are invalid or inconsistent with existing metrics: .*"shared".*GAUGE/,
      );
      const g = await store.get(groupingKeyId({ job: 'g' }));
      expect(g?.record.families.map((f) => [f.name, f.type])).toEqual([['shared', 'gauge']]);
      const c = await store.get(groupingKeyId({ job: 'c' }));
      expect(c === undefined || c.record.deleted).toBe(true);
      expect((await store.getMarks([S])).get(S)).toEqual(expect.objectContaining({ value: 'gauge', pending: false }));
    });

    it('waits likewise when a replica refused the push: one series in two groups, the old version put back', async () => {
      // `{job="a"}` exposes m{instance="x"}; `{job="a",instance="x"}` pushing `m` would expose it too. Marks do not see
      // this (same family, same type); a replica holding the first refuses the second.
      expect((await handle(request('PUT', '/metrics/job/a', 'm{instance="x"} 1\n'))).status).toBe(200);
      const release = holdBack('/metrics/job@base64/YQ');
      const replacing = handle(request('PUT', '/metrics/job/a', 'other 1\n'));
      // The first replica refuses the stale instance's push (it still holds the acknowledged version); the second
      // takes it. The store holds the replacement in flight, which exposes no `m`: deciding now, the push would win.
      replicas[0].state = 'refusing';
      const other = anotherInstance(new GroupView());
      let answered = false;
      const colliding = other(request('PUT', '/metrics/job/a/instance/x', 'm 2\n')).finally(() => {
        answered = true;
      });
      await untilStored({ job: 'a', instance: 'x' });
      // Still waiting for the replacement to settle (without the wait it was answered 200 by now).
      expect(answered).toBe(false);
      replicas[0].state = 'up';
      release();
      expect((await replacing).status).toBe(503);
      const refused = await colliding;
      expect(refused.status).toBe(400);
      expect(refused.body).toMatch(/^pushed metrics are invalid or inconsistent/);
      expect((await store.get(groupingKeyId({ job: 'a' })))?.record.families.map((f) => f.name)).toEqual(['m']);
    });

    it('takes every family as new on a version never acknowledged (its writer died before looking)', async () => {
      // `a`'s version holding the counter was committed by a push that died before marking it, and was never answered.
      const record = nextRecord(
        undefined,
        'PUT',
        { job: 'a' },
        storedFamilies(parsed('# TYPE m counter\nm 1\n')),
        clock,
      );
      const { entry } = commitEntry(undefined, record, 'push-dead', clock, TIMING);
      expect(await store.put({ ...entry, writers: {} }, undefined)).toBe(true); // its writer since taken for dead
      // Another instance, its view loaded before `a`, marks `m` as a gauge: nothing contradicts it.
      const other = anotherInstance(new GroupView());
      expect((await other(request('PUT', '/metrics/job/b', '# TYPE m gauge\nm 1\n'))).status).toBe(200);
      // The next push to `a` repeats the counter: told against no version, it looks at `m`'s mark, and loses.
      const refused = await handle(request('PUT', '/metrics/job/a', '# TYPE m counter\nm 2\n'));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatch(/"m".*GAUGE/);
    });

    it('heals a mark left pending by a claimant that died: the next push of the name settles and leaves its type', async () => {
      expect(await store.putMark(M, { value: 'summary', epoch: 7, pending: true }, undefined)).toBe(true);
      expect((await handle(request('PUT', '/metrics/job/a', '# TYPE m counter\nm 1\n'))).status).toBe(200);
      expect((await store.getMarks([M])).get(M)).toEqual({ value: 'counter', epoch: 9, pending: false });
    });
  });

  describe('crossings (domain/series-crossings.ts)', () => {
    /** Counts the store's full reads: only a settling push makes one. */
    const countFullReads = () => {
      const calls = { all: 0 };
      const all = store.all.bind(store);
      store.all = () => {
        calls.all++;
        return all();
      };
      return calls;
    };
    const gone = async (key: Record<string, string>) => {
      const entry = await store.get(groupingKeyId(key));
      return entry === undefined || entry.record.deleted;
    };

    // The replicas here check nothing, as replicas that each lack the other group: only the store can tell.
    it('refuses a group a stale instance creates exposing a series another group already exposes', async () => {
      expect((await handle(request('PUT', '/metrics/job/a', 'm{instance="x"} 1\n'))).status).toBe(200);
      const other = anotherInstance(new GroupView());
      const refused = await other(request('PUT', '/metrics/job/a/instance/x', 'm 2\n'));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatch(/^pushed metrics are invalid or inconsistent with existing metrics: .*"m"/);
      expect(await gone({ job: 'a', instance: 'x' })).toBe(true);
      expect((await store.get(groupingKeyId({ job: 'a' })))?.record.families.map((f) => f.text)).toEqual([
        'm{instance="x"} 1\n',
      ]);
    });

    it('refuses the other way round: a series that projects onto an existing group of other key names', async () => {
      expect((await handle(request('PUT', '/metrics/job/a/instance/x', 'm 1\n'))).status).toBe(200);
      const other = anotherInstance(new GroupView());
      const refused = await other(request('PUT', '/metrics/job/a', 'm{instance="x"} 2\n'));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatch(/^pushed metrics are invalid or inconsistent/);
      expect(await gone({ job: 'a' })).toBe(true);
    });

    it('looks again when only a label value changes: the same family and names, a new series', async () => {
      expect((await handle(request('PUT', '/metrics/job/a', 'm{instance="y"} 1\n'))).status).toBe(200);
      expect((await handle(request('PUT', '/metrics/job/a/instance/x', 'm 1\n'))).status).toBe(200);
      // An instance that has seen neither: its push to `a` keeps family `m` and its label names.
      const other = anotherInstance(new GroupView());
      const refused = await other(request('PUT', '/metrics/job/a', 'm{instance="x"} 2\n'));
      expect(refused.status).toBe(400);
      expect((await store.get(groupingKeyId({ job: 'a' })))?.record.families.map((f) => f.text)).toEqual([
        'm{instance="y"} 1\n',
      ]);
    });

    it('settles only when a group of those names exposes the series: neighbours and re-pushes read nothing more', async () => {
      expect((await handle(request('PUT', '/metrics/job/a/instance/x', 'm 1\n'))).status).toBe(200);
      const reads = countFullReads();
      const other = anotherInstance(new GroupView());
      // Projects onto `{instance="x",job="a"}`, which holds `m`, not `n`: read, no conflict, no settling.
      expect((await other(request('PUT', '/metrics/job/a', 'n{instance="x"} 1\n'))).status).toBe(200);
      expect((await other(request('PUT', '/metrics/job/a', 'n{instance="x"} 2\n'))).status).toBe(200);
      expect(reads.all).toBe(0);
      const gets = countGets((id) => id === groupingKeyId({ job: 'a', instance: 'x' }));
      // The same series again (new values): no look at the neighbour at all.
      expect((await other(request('PUT', '/metrics/job/a', 'n{instance="x"} 3\n'))).status).toBe(200);
      expect(gets.count).toBe(0);
    });

    it('settles against the whole store, reading no record, when its new series name more groups than it reads', async () => {
      expect((await handle(request('PUT', '/metrics/job/a/instance/h3', 'other 1\n'))).status).toBe(200);
      const reads = countFullReads();
      const gets = countGets(() => true);
      const hosts = Array.from({ length: MAX_CANDIDATE_READS + 1 }, (_, i) => `m{instance="h${i}"} 1\n`).join('');
      const other = anotherInstance(new GroupView());
      expect((await other(request('PUT', '/metrics/job/a', hosts))).status).toBe(200);
      // One full read (the settle), and only the push's own group read by id (its base, its acknowledgement).
      expect(reads.all).toBe(1);
      expect(gets.count).toBeLessThanOrEqual(4);
    });

    it('waits for a push in flight on the acknowledged version exposing the series, no replica refusing anything', async () => {
      expect((await handle(request('PUT', '/metrics/job/a', 'm{instance="x"} 1\n'))).status).toBe(200);
      // The next push to `a`, without `m`, reaches the replicas only once released, and then neither takes it: it is
      // put back to the acknowledged version.
      const release = holdBack('/metrics/job@base64/YQ');
      const replacing = handle(request('PUT', '/metrics/job/a', 'other 1\n'));
      // A stale instance creates `{job="a",instance="x"}` with `m`. Both replicas take it (they check nothing); `a`'s
      // record in the store is the replacement in flight, without `m`: deciding now, it would win and be acknowledged
      // beside `m` put back. The look finds `a` unsettled on an acknowledged version and waits for it.
      let answered = false;
      const crossing = anotherInstance(new GroupView())(request('PUT', '/metrics/job/a/instance/x', 'm 2\n')).finally(
        () => {
          answered = true;
        },
      );
      await untilStored({ job: 'a', instance: 'x' });
      expect(answered).toBe(false);
      release();
      expect((await replacing).status).toBe(503);
      const refused = await crossing;
      expect(refused.status).toBe(400);
      expect(await gone({ job: 'a', instance: 'x' })).toBe(true);
      expect((await store.get(groupingKeyId({ job: 'a' })))?.record.families.map((f) => f.name)).toEqual(['m']);
    });

    it('registers the key names of the records it loads at start: records from before the registry are looked at', async () => {
      // `{job="a"}` exposing m{instance="x"}, acknowledged by a version of the ingestion without the registry.
      const record = nextRecord(undefined, 'PUT', { job: 'a' }, storedFamilies(parsed('m{instance="x"} 1\n')), clock);
      const { entry } = commitEntry(undefined, record, 'push-old', clock, TIMING);
      expect(await store.put({ ...entry, writers: {}, acked: record.version }, undefined)).toBe(true);
      const started = await composePushIngest({ replicas, store, timing: TIMING, logger }, DEFAULT_PUSH_LIMITS);
      expect(registeredKeyNames((await store.getMarks([KEY_NAMES_MARK])).get(KEY_NAMES_MARK))).toEqual(['job']);
      // Another instance, its view loaded before `a`: its push projects onto the registered `job`, finds `a`.
      expect(
        (await anotherInstance(new GroupView())(request('PUT', '/metrics/job/a/instance/x', 'm 2\n'))).status,
      ).toBe(400);
      expect((await started(request('PUT', '/metrics/job/b', 'n 1\n'))).status).toBe(200);
    });

    it('takes every series as new on a version never acknowledged (its writer died before looking)', async () => {
      // `a`'s version holding m{instance="x"} was committed by a push that never got its look in, nor an answer.
      const key = { job: 'a' };
      const families = storedFamilies(parsed('m{instance="x"} 1\n'));
      const record = nextRecord(undefined, 'PUT', key, families, clock);
      const { entry } = commitEntry(undefined, record, 'push-dead', clock, TIMING);
      // Its writer since taken for dead (the lease passed): settled, never acknowledged.
      expect(await store.put({ ...entry, writers: {} }, undefined)).toBe(true);
      expect((await handle(request('PUT', '/metrics/job/a/instance/x', 'm 1\n'))).status).toBe(200);
      // The next push to `a` repeats the series: it looks, as if they were new, and loses to the acknowledged group.
      const refused = await anotherInstance(new GroupView())(request('PUT', '/metrics/job/a', 'm{instance="x"} 2\n'));
      expect(refused.status).toBe(400);
    });
  });

  it('refuses a grouping key that would expose the same push_time_seconds series as another group', async () => {
    await handle(request('PUT', '/metrics/job/p', 'a 1\n'));
    const response = await handle(request('PUT', '/metrics/job/p/instance@base64/=', 'b 1\n'));
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/same push_time_seconds series as group \{job="p"\}/);
    expect(store.size()).toBe(1);
    // Counted as a refused push, but at the parse stage: a failure record would create the poisoning group.
    expect(sent().map((r) => r[1])).toEqual([
      parseMarker('PUT', '/metrics/job/p/instance@base64/='),
      parseMarker('PUT', '/metrics/job/p/instance@base64/='),
    ]);
  });

  it('answers 301 to the cleaned path for dot segments, like the Pushgateway, and applies nothing', async () => {
    const response = await handle(request('PUT', '/metrics/job/x/a/..', 'x 1\n'));
    expect(response.status).toBe(301);
    expect(response.headers.location).toBe('/metrics/job/x');
    expect(response.body).toMatch(/dot segments/);
    expect(store.size()).toBe(0);
  });

  it('answers 413 above the body limit, 405 for other methods, 404 off the API, 400 for a bad path', async () => {
    expect((await handle(request('PUT', '/metrics/job/a', 'x'.repeat(2000)))).status).toBe(413);
    expect((await handle(request('PATCH', '/metrics/job/a', 'x 1\n'))).status).toBe(405);
    expect((await handle(request('PUT', '/metrics', 'x 1\n'))).status).toBe(404);
    await handle(request('PUT', '/metrics/job/x/a/..', 'x 1\n'));
    expect(sent()).toEqual([[], []]); // 413, 405, 404 and 301 leave no trace, as on a Pushgateway
    expect((await handle(request('PUT', '/metrics/job/a/b', 'x 1\n'))).status).toBe(400);
    // A malformed path's refusal is counted through a valid path (see PATH_REFUSAL_TARGET).
    expect(sent()).toEqual([[parseMarker('PUT', PATH_REFUSAL_TARGET)], [parseMarker('PUT', PATH_REFUSAL_TARGET)]]);
  });

  it('answers a path the same way whether or not it was pushed to before (paths are parsed once per group)', async () => {
    const answers = async () => [
      (await handle(request('PUT', '/metrics/job/x/a/..', 'x 1\n'))).status,
      (await handle(request('PUT', '/metrics/job/a/b', 'x 1\n'))).status,
      (await handle(request('PATCH', '/metrics/job/a', 'x 1\n'))).status,
      (await handle(request('PUT', '/metrics/job/a', 'x'.repeat(2000)))).status,
      (await handle(request('PUT', '/metrics/job/a', 'x 1\n'))).status,
    ];
    expect(await answers()).toEqual([301, 400, 405, 413, 200]);
    expect(await answers()).toEqual([301, 400, 405, 413, 200]);
    expect((await store.get(groupingKeyId({ job: 'a' })))?.record.version).toBe(2);
    expect(store.size()).toBe(1);
  });

  it('accepts gzip bodies, refuses corrupt ones (400) and bombs (413)', async () => {
    const gzip = { 'content-encoding': 'gzip' };
    expect((await handle(request('PUT', '/metrics/job/a', zlib.gzipSync('x 1\n'), gzip))).status).toBe(200);
    expect((await handle(request('PUT', '/metrics/job/a', Buffer.from('not gzip'), gzip))).status).toBe(400);
    await build({ maxDecompressedBytes: 4096 });
    const bomb = await handle(request('PUT', '/metrics/job/a', zlib.gzipSync(`x 1\n${'#'.repeat(100_000)}\n`), gzip));
    expect(bomb.status).toBe(413);
    expect(bomb.body).toMatch(/decompressed push body exceeds the limit of 4096 bytes/);
  });

  it('names each limit it enforces: series per push and per group (413), labels and label values (400)', async () => {
    await build({ maxSeriesPerPush: 3, maxSeriesPerGroup: 4, maxLabelsPerSeries: 2, maxLabelValueLength: 5 });
    const series = await handle(request('PUT', '/metrics/job/a', 'a 1\nb 1\nc 1\nd 1\n'));
    expect([series.status, series.body]).toEqual([413, 'push holds 4 series, above the limit of 3 series per push\n']);
    expect((await handle(request('PUT', '/metrics/job/a', 'a 1\nb 1\nc 1\n'))).status).toBe(200);
    const group = await handle(request('POST', '/metrics/job/a', 'd 1\ne 1\n'));
    expect(group.status).toBe(413);
    expect(group.body).toMatch(/the group would hold 5 series after this push, above the limit of 4 series per group/);
    const labels = await handle(request('PUT', '/metrics/job/b', 'a{x="1",y="2",z="3"} 1\n'));
    expect(labels.status).toBe(400);
    expect(labels.body).toMatch(/has 3 labels, above the limit of 2 labels per series/);
    const value = await handle(request('PUT', '/metrics/job/b', 'a{x="123456"} 1\n'));
    expect(value.status).toBe(400);
    expect(value.body).toMatch(/label x .* is 6 characters long, above the limit of 5 characters per label value/);
  });

  it('refuses a push creating a group past the groups held (413, nothing stored); pushes to held groups go on', async () => {
    await build({ maxGroups: 2 });
    expect((await handle(request('PUT', '/metrics/job/a', 'x 1\n'))).status).toBe(200);
    expect((await handle(request('PUT', '/metrics/job/b', 'x 1\n'))).status).toBe(200);
    const third = await handle(request('PUT', '/metrics/job/c', 'x 1\n'));
    expect([third.status, third.body]).toEqual([
      413,
      'the push would create group number 3, above the limit of 2 groups held; delete groups no longer needed\n',
    ]);
    expect(await store.get(groupingKeyId({ job: 'c' }))).toBeUndefined();
    expect(replicas.map((r) => r.held.size)).toEqual([2, 2]);
    // Held groups take pushes; a deleted one frees its place.
    expect((await handle(request('POST', '/metrics/job/a', 'y 1\n'))).status).toBe(200);
    expect((await handle(request('DELETE', '/metrics/job/b', ''))).status).toBe(202);
    expect((await handle(request('PUT', '/metrics/job/c', 'x 1\n'))).status).toBe(200);
  });

  it('acknowledges with one replica down, names it, and the repair brings it to the record', async () => {
    replicas[1].state = 'down';
    const response = await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    expect(response.status).toBe(200);
    expect(response.headers[MISSED_HEADER]).toBe('pushgateway-1');
    expect((await handle(request('POST', '/metrics/job/batch', 'y 2\n'))).headers[MISSED_HEADER]).toBe('pushgateway-1');
    const repair = makeRepair({ replicas, store, timing: TIMING, logger, now: () => clock });
    expect((await repair()).unreachable).toEqual(['pushgateway-1']);
    replicas[1].state = 'up';
    await repair();
    expect(replicas[1].held.get(BATCH)).toBe('x 1\ny 2\n');
    expect((await store.owed(10)).length).toBe(0);
  });

  it('condemns, not cuts, a contradicting record whose push is in flight; cuts it once its writer is gone', async () => {
    const said: { level: string; message: string }[] = [];
    const recording: Logger = {
      info: (message) => said.push({ level: 'info', message }),
      warn: (message) => said.push({ level: 'warn', message }),
      error: (message) => said.push({ level: 'error', message }),
    };
    const repair = makeRepair({ replicas, store, timing: TIMING, logger: recording, now: () => clock });
    await repair(); // initialises the store from the (empty) replicas
    // An acknowledged gauge, owed to the replica that was down; that replica now holds another instance's counter
    // of the same name, so it refuses the gauge.
    replicas[1].state = 'down';
    expect((await handle(request('PUT', '/metrics/job/a', '# TYPE shared gauge\nshared 1\n'))).status).toBe(200);
    replicas[1].state = 'refusing';
    // That other instance's push: committed (stamped earlier than the gauge), its writer still in flight.
    const parsed = parseExposition('# TYPE shared counter\nshared 2\n');
    if (!parsed.ok) throw new Error('the counter push parses');
    const counter = nextRecord(undefined, 'PUT', { job: 'b' }, storedFamilies(parsed.families), clock - 1000);
    const inFlight = commitEntry(undefined, counter, 'push-other-instance', clock, TIMING);
    expect(await store.put(inFlight.entry, undefined)).toBe(true);

    expect((await repair()).resolved).toBe(1);
    const condemned = await store.get(counter.id);
    expect([condemned?.record.version, condemned?.lost, condemned?.record.families.length]).toEqual([1, 1, 1]);
    expect(condemned?.lostReason).toMatch(/shared/);
    // Its instance can no longer acknowledge it: it answers 400 and puts it back (handler.ts).
    if (!condemned) throw new Error('still stored');
    expect(acknowledgeEntry(condemned, inFlight.writer, {}, clock, TIMING).ok).toBe(false);
    expect(said.filter((s) => s.level === 'error' && s.message.startsWith('two ingestion instances'))).toEqual([]);

    // Its instance died instead: once its writer is dead and its writes can no longer land, the repair cuts it, a
    // warning (it was never answered 2xx), not the error an acknowledged cut is.
    clock += TIMING.writerExpiryMs + TIMING.leaseMs + 1;
    expect((await repair()).resolved).toBe(1);
    expect((await store.get(counter.id))?.record.deleted).toBe(true);
    expect(said.map((s) => `${s.level}: ${s.message}`)).toContain(
      'warn: an unacknowledged record contradicting acknowledged ones was cut back',
    );
    expect(said.filter((s) => s.level === 'error' && s.message.startsWith('two ingestion instances'))).toEqual([]);
  });

  it('answers 503 when no replica can have applied the push, and puts the record back', async () => {
    await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    for (const replica of replicas) replica.state = 'down';
    const response = await handle(request('POST', '/metrics/job/batch', 'y 2\n'));
    expect(response.status).toBe(503);
    const entry = await store.get(groupingKeyId({ job: 'batch' }));
    expect(entry?.record.families.map((f) => f.text)).toEqual(['x 1\n']);
    expect(entry?.record.version).toBe(3);
  });

  it("answers the replicas' 400 when every replica refuses what validation let through, and reverts", async () => {
    for (const replica of replicas) replica.state = 'refusing';
    const response = await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    expect(response.status).toBe(400);
    expect(response.body).toBe('pushed metrics are invalid or inconsistent\n');
    expect((await store.get(groupingKeyId({ job: 'batch' })))?.record.deleted).toBe(true);
  });

  it('acknowledges a push the replicas may have applied but did not answer in time, naming them as missed', async () => {
    for (const replica of replicas) replica.state = 'slow';
    const response = await handle(request('PUT', '/metrics/job/batch', 'x 1\n'));
    expect(response.status).toBe(200);
    expect(response.headers[MISSED_HEADER]).toBe('pushgateway-0, pushgateway-1');
    const entry = await store.get(groupingKeyId({ job: 'batch' }));
    // A write without an answer may still land: nobody is trusted with the group until the lease runs out.
    expect(entry?.abandonedUntil).toBe(clock + TIMING.leaseMs);
    expect(entry?.synced).toEqual({});
  });

  it('imports what the replicas hold into a new store once, trusting only the replicas holding that very content', async () => {
    const group = (value: string, pushed: number) =>
      toStoredGroup({
        labels: { job: 'old' },
        m: { type: 'GAUGE', metrics: [{ labels: { instance: '', job: 'old' }, value }] },
        push_time_seconds: {
          type: 'GAUGE',
          metrics: [{ labels: { instance: '', job: 'old' }, value: String(pushed) }],
        },
      });
    replicas[0].before = [group('1', 100)];
    replicas[1].before = [group('2', 200)];
    expect(await bootstrapStore({ replicas, store, logger })).toBe(true);
    const entry = await store.get(groupingKeyId({ job: 'old' }));
    expect(entry?.record.families.map((f) => f.text)).toEqual(['# TYPE m gauge\nm{instance="",job="old"} 2\n']);
    expect(entry?.synced).toEqual({ 'pushgateway-1': 1 });
    expect(await bootstrapStore({ replicas, store, logger })).toBe(false);
    // The first pass knows both runs already: it only brings pushgateway-0 to the newest copy.
    const report = await makeRepair({ replicas, store, timing: TIMING, logger, now: () => clock })();
    expect([report.restarted, report.synced]).toEqual([[], 1]);
    expect(replicas[0].held.get('/metrics/job@base64/b2xk')).toBe('# TYPE m gauge\nm{instance="",job="old"} 2\n');
  });

  it("leaves the compactor's group alone: no push takes it, the import skips it, a restart's clean-up keeps it", async () => {
    // Written to every replica by the compactor itself (compactor-metrics.ts DIRECT_PUSH_JOBS).
    for (const method of ['PUT', 'POST', 'DELETE']) {
      const answer = await handle(
        request(method, `/metrics/job/${COMPACTOR_PUSH_JOB}`, 'greenlang_thanos_compactor_halted 0\n'),
      );
      expect([answer.status, answer.body]).toEqual([403, expect.stringMatching(/is written by the stack itself/)]);
    }
    expect(replicas.map((r) => r.received.length)).toEqual([0, 0]);
    const group = (job: string, pushed: number) =>
      toStoredGroup({
        labels: { job },
        m: { type: 'GAUGE', metrics: [{ labels: { instance: '', job }, value: '1' }] },
        push_time_seconds: { type: 'GAUGE', metrics: [{ labels: { instance: '', job }, value: String(pushed) }] },
      });
    for (const replica of replicas) replica.before = [group(COMPACTOR_PUSH_JOB, 100), group('old', 100)];
    expect(await bootstrapStore({ replicas, store, logger })).toBe(true);
    expect(await store.get(groupingKeyId({ job: COMPACTOR_PUSH_JOB }))).toBeUndefined();
    expect(await store.get(groupingKeyId({ job: 'old' }))).toBeDefined();
    // pushgateway-1 restarts holding a group no record has (pushed to it directly) beside the compactor's.
    replicas[1].before = [group(COMPACTOR_PUSH_JOB, 200), group('old', 100), group('stray', 100)];
    replicas[1].run++;
    const report = await makeRepair({ replicas, store, timing: TIMING, logger, now: () => clock })();
    expect([report.restarted, report.removedStray]).toEqual([['pushgateway-1'], 1]);
    const deleted = replicas[1].received.filter((r) => r.method === 'DELETE').map((r) => r.path);
    expect(deleted).toEqual([formatGroupingPath({ job: 'stray' })]);
  });

  it("removes a record of the compactor's group left from before (an old import or push), never writing it", async () => {
    // A store that took the compactor's group before it was refused: its record, proven on no replica.
    const key = { job: COMPACTOR_PUSH_JOB };
    const record = nextRecord(
      undefined,
      'PUT',
      key,
      storedFamilies(parsed('greenlang_thanos_compactor_halted 1\n')),
      clock,
    );
    const { entry } = commitEntry(undefined, record, 'old-writer', clock, TIMING);
    expect(await store.put(entry, undefined)).toBe(true);
    await store.putMeta('initialized', '1');
    const report = await makeRepair({ replicas, store, timing: TIMING, logger, now: () => clock + 120_000 })();
    expect(await store.get(groupingKeyId(key))).toBeUndefined();
    expect(report.collected).toBeGreaterThanOrEqual(1);
    expect(replicas.flatMap((r) => r.received).map((w) => w.path)).not.toContain(formatGroupingPath(key));
  });
});
