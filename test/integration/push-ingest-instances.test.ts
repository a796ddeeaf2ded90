import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGroupStore } from '../../lambdas/adapters/dynamodb-group-store';
import { FileGroupStore, type GroupStore } from '../../lambdas/adapters/group-store';
import { type PushgatewayReplica, pushgatewayReplica } from '../../lambdas/adapters/pushgateway';
import { familyMarkName } from '../../lambdas/domain/conflict-marks';
import { type GroupEntry, needsRepair } from '../../lambdas/domain/group-sync';
import { groupingKeyId } from '../../lambdas/domain/grouping-key';
import { DEFAULT_PUSH_LIMITS } from '../../lambdas/domain/push-limits';
import { syncTiming } from '../../lambdas/handlers/push-ingest/compose';
import { GroupView } from '../../lambdas/handlers/push-ingest/group-view';
import { type Logger, MISSED_HEADER, makeHandler, REJECTED_HEADER } from '../../lambdas/handlers/push-ingest/handler';
import { bootstrapStore, makeRepair } from '../../lambdas/handlers/push-repair/repair';
import { type RunningComponent, startPushgateway } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { type RunningDynalite, startDynalite } from '../support/dynalite';
import { eventually } from '../support/eventually';
import { groupStoreCreateTable } from '../support/group-store-table';
import { handlerRequest } from '../support/handler-request';
import { blackHoleWrites, startSlowProxy } from '../support/push-load';

/**
 * Two ingestion instances sharing one store, as Lambda instances share the DynamoDB table: each validates against
 * the groups it has seen, so one can commit a group that conflicts with the other's. Against two real
 * Pushgateways: a push one Pushgateway would have refused (it contradicts an earlier commit) is answered that 400
 * and leaves nothing, an acknowledged push is never lost, and the replicas converge.
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

/** Group (labels as JSON) → family → its samples' values, as the replica serves them (the state a client reads). */
async function values(url: string): Promise<Record<string, Record<string, string[]>>> {
  const held = await families(url);
  const out: Record<string, Record<string, string[]>> = {};
  for (const [group, fams] of Object.entries(held)) {
    out[group] = {};
    for (const [name, family] of Object.entries(fams as Record<string, { metrics: { value?: string }[] }>)) {
      out[group][name] = family.metrics.map((m) => String(m.value));
    }
  }
  return out;
}

/** Where the instances' shared store lives: a local file, or a DynamoDB table (dynalite 4.0.0, in memory). */
type Backend = 'file' | 'dynamodb';

let running: RunningDynalite | undefined;
let tables = 0;
/** dynalite, started by the first test that needs it. */
async function dynalite(): Promise<RunningDynalite> {
  running ??= await startDynalite();
  return running;
}
afterAll(async () => {
  await running?.stop();
});

/** A loopback URL nothing listens on: connections to it are refused at once. */
async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const put = (p: string, body: string) => handlerRequest('PUT', p, body);

/** An acknowledged PUT: the group then holds exactly these families with these values (the model of the test). */
type Model = Record<string, Record<string, string[]>>;

/** The first instance's gauge push, alone: what both replicas end holding when the contradicting push is refused. */
const FIRST_ONLY: Model = { '{"job":"first"}': { shared: ['1'], first_only: ['1'] } };

describe('two ingestion instances sharing one store', () => {
  let workDir: string;
  let stable: RunningComponent;
  let victim: RunningComponent;
  /** The first instance's handle onto the shared store (the test reads through it). */
  let store: GroupStore;
  let closeStore: () => Promise<void> = async () => {};
  let errors: { message: string; extra?: Record<string, unknown> }[];
  let logger: Logger;
  const timing = syncTiming(2000);

  beforeEach(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-ingest-instances-'));
    [stable, victim] = await Promise.all([startPushgateway(), startPushgateway()]);
    errors = [];
    logger = { info() {}, warn() {}, error: (message, extra) => errors.push({ message, extra }) };
  });
  afterEach(async () => {
    await closeStore();
    closeStore = async () => {};
    await Promise.all([stable, victim].filter(Boolean).map((c) => c.stop()));
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /**
   * Two instances over one fresh store, both loaded before either commits; `firstClockAheadMs` skews the first, and
   * `secondVia` makes the second reach a replica another way (through `blackHoleWrites` or `startSlowProxy`).
   */
  async function setUp(
    firstClockAheadMs = 0,
    secondVia: { stableUrl?: string; victimUrl?: string } = {},
    backend: Backend = 'file',
  ) {
    const replicas = [
      pushgatewayReplica('pushgateway-0', stable.url, { timeoutMs: 2000 }),
      pushgatewayReplica('pushgateway-1', victim.url, { timeoutMs: 2000 }),
    ];
    const secondReplicas = [
      secondVia.stableUrl === undefined
        ? (replicas[0] as PushgatewayReplica)
        : pushgatewayReplica('pushgateway-0', secondVia.stableUrl, { timeoutMs: 8000 }),
      secondVia.victimUrl === undefined
        ? (replicas[1] as PushgatewayReplica)
        : pushgatewayReplica('pushgateway-1', secondVia.victimUrl, { timeoutMs: 8000 }),
    ];
    const names = replicas.map((r) => r.name);
    const isOwed = (e: GroupEntry) => needsRepair(e, names);
    // One local file, which one process owns; or one DynamoDB table (dynalite) with a client per instance, as Lambda
    // instances hold it.
    let secondStore: GroupStore;
    if (backend === 'file') {
      const file = new FileGroupStore(path.join(workDir, 'store.jsonl'), isOwed);
      store = file;
      secondStore = file;
      closeStore = () => file.close();
    } else {
      const dynamo = await dynalite();
      const table = `groups-${++tables}`;
      await dynamo.createTable({ ...groupStoreCreateTable(table) });
      const clients = [dynamo.client(), dynamo.client()];
      const [a, b] = clients.map((c) => new DynamoDbGroupStore(DynamoDBDocumentClient.from(c), table, isOwed));
      if (!a || !b) throw new Error('two clients');
      store = a;
      secondStore = b;
      closeStore = async () => {
        for (const client of clients) client.destroy();
      };
    }
    expect(await bootstrapStore({ replicas, store, logger })).toBe(true);
    const instance = async (now: () => number, through: readonly PushgatewayReplica[], own: GroupStore) =>
      makeHandler({
        replicas: through,
        store: own,
        view: await GroupView.load(own),
        limits: DEFAULT_PUSH_LIMITS,
        timing,
        logger,
        now,
      });
    const [first, second] = await Promise.all([
      instance(() => Date.now() + firstClockAheadMs, replicas, store),
      instance(() => Date.now(), secondReplicas, secondStore),
    ]);
    const repair = makeRepair({ replicas, store, timing, logger });
    return { first, second, repair };
  }

  /** The first instance commits while the victim is down (only the stable replica takes it); the victim restarts empty. */
  async function whileVictimDown<T>(push: () => Promise<T>): Promise<T> {
    const port = victim.port;
    victim.child.kill('SIGKILL');
    await victim.exited;
    await victim.stop(); // removes its data folder
    const result = await push();
    victim = await startPushgateway({ port });
    return result;
  }

  /** Repair passes until both replicas hold exactly `expected`. */
  async function converges(repair: () => Promise<unknown>, expected: Model): Promise<void> {
    await eventually(
      async () => {
        await repair();
        const [a, b] = await Promise.all([values(stable.url), values(victim.url)]);
        expect(a).toEqual(expected);
        expect(b).toEqual(expected);
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
  }

  const conflicts = () => errors.filter((e) => e.message.startsWith('two ingestion instances committed conflicting'));

  it('answers the later of two contradicting commits the Pushgateway 400, and loses no acknowledged push', async () => {
    const { first, second, repair } = await setUp();
    const model: Model = {};
    let acknowledged = 0;
    const ack = (group: string, held: Record<string, string[]>) => {
      model[JSON.stringify({ job: group })] = held;
      acknowledged++;
    };

    const one = await whileVictimDown(() =>
      first(put('/metrics/job/first', '# TYPE shared gauge\nshared 1\nfirst_only 1\n')),
    );
    expect([one.status, one.headers[MISSED_HEADER]]).toEqual([200, 'pushgateway-1']);
    ack('first', { shared: ['1'], first_only: ['1'] });

    // The second instance has not seen `first`: an unrelated push passes, as before.
    const before = await second(put('/metrics/job/b_before', 'b_value 7\n'));
    expect([before.status, before.headers[MISSED_HEADER]]).toEqual([200, undefined]);
    ack('b_before', { b_value: ['7'] });

    // `shared` as a counter: the replica holding the gauge refuses it, the one restarted empty takes it. One
    // Pushgateway would have refused it (the gauge came first): so does the ingestion, with that Pushgateway's
    // message, and nothing of it stays in the store.
    const two = await second(put('/metrics/job/second', '# TYPE shared counter\nshared 2\nsecond_only 2\n'));
    expect(two.status).toBe(400);
    expect(two.body).toMatch(/^pushed metrics are invalid or inconsistent with existing metrics: .*shared/);
    const secondRecord = (await store.get(groupingKeyId({ job: 'second' })))?.record;
    expect(secondRecord === undefined || secondRecord.deleted).toBe(true);
    expect((await store.get(groupingKeyId({ job: 'first' })))?.record.families.map((f) => [f.name, f.type])).toEqual([
      ['shared', 'gauge'],
      ['first_only', 'untyped'],
    ]);

    // The second instance's view was brought to the store: the same contradiction in another group is now refused
    // by the ingestion itself (nothing committed), and a consistent push to `second` is acknowledged.
    const three = await second(put('/metrics/job/third', '# TYPE shared counter\nshared 3\n'));
    expect(three.status).toBe(400);
    expect(await store.get(groupingKeyId({ job: 'third' }))).toBeUndefined();
    const again = await second(put('/metrics/job/second', 'second_only 4\n'));
    expect(again.status).toBe(200);
    ack('second', { second_only: ['4'] });

    // The repair brings the victim (which took the refused counter) back to the records: both replicas end holding
    // exactly the acknowledged pushes, nothing refused, nothing lost; and it never had to cut a record.
    await converges(repair, model);
    // The traces of the refusals too: every group either replica holds, empty ones included, is on both.
    const groupsOf = async (url: string) =>
      ((await (await fetch(`${url}/api/v1/metrics`)).json()) as { data: { labels: unknown }[] }).data
        .map((g) => JSON.stringify(g.labels))
        .sort();
    expect(await groupsOf(victim.url)).toEqual(await groupsOf(stable.url));
    expect(acknowledged).toBe(3);
    expect(conflicts()).toEqual([]);
    const report = await repair();
    expect([report.resolved, report.stillOwed]).toEqual([0, 0]);
  });

  it('keeps an acknowledged push whole even when a contradicting push is stamped earlier (clock skew): that one gets 400', async () => {
    // The first instance's clock runs a minute ahead: its commit, though made first, is stamped after the second's.
    // By commit time alone a single Pushgateway would take the second's `shared` and refuse the first's, which was
    // already acknowledged: acknowledged pushes go first in the replay (conflict-settlement.ts `settleConflict`), so the second
    // push is the one refused, with the Pushgateway's 400, and nothing acknowledged is ever cut.
    const { first, second, repair } = await setUp(60_000);
    const one = await whileVictimDown(() =>
      first(put('/metrics/job/first', '# TYPE shared gauge\nshared 1\nfirst_only 1\n')),
    );
    expect([one.status, one.headers[MISSED_HEADER]]).toEqual([200, 'pushgateway-1']);

    // The victim restarted empty takes the counter; the stable replica, holding the gauge, refuses it.
    const two = await second(put('/metrics/job/second', '# TYPE shared counter\nshared 2\nsecond_only 2\n'));
    expect(two.status).toBe(400);
    expect(two.body).toMatch(/^pushed metrics are invalid or inconsistent with existing metrics: .*shared/);
    const secondRecord = (await store.get(groupingKeyId({ job: 'second' })))?.record;
    expect(secondRecord === undefined || secondRecord.deleted).toBe(true);

    await converges(repair, FIRST_ONLY);
    const held = await families(victim.url);
    expect((held['{"job":"first"}'] as Record<string, { type: string }>).shared?.type).toBe('GAUGE');
    // Nothing was ever cut, and nothing is left to settle.
    expect(conflicts()).toEqual([]);
    const report = await repair();
    expect([report.resolved, report.stillOwed]).toEqual([0, 0]);
  });

  it.each<Backend>(['file', 'dynamodb'])(
    'refuses a contradicting push that meets no replica holding the other: the family mark sends it to the store (%s)',
    async (backend) => {
      // The case no replica can reveal: the gauge is acknowledged by the stable replica alone (the victim down), then the
      // counter reaches only the victim, restarted empty (the stable replica refuses the second instance's connections).
      // Neither push is refused by a replica. Before family marks both were answered 2xx and the repair cut the counter,
      // an acknowledged push, logged as an error. Now the counter's push finds `shared` marked as a gauge, settles
      // against the store, loses to the acknowledged gauge, and is answered 400 with nothing kept.
      const refusing = await closedPortUrl();
      const { first, second, repair } = await setUp(0, { stableUrl: refusing }, backend);
      const one = await whileVictimDown(() =>
        first(put('/metrics/job/first', '# TYPE shared gauge\nshared 1\nfirst_only 1\n')),
      );
      expect([one.status, one.headers[MISSED_HEADER]]).toEqual([200, 'pushgateway-1']);

      const two = await second(put('/metrics/job/second', '# TYPE shared counter\nshared 2\nsecond_only 2\n'));
      expect([two.status, two.headers[REJECTED_HEADER]]).toEqual([400, undefined]);
      expect(two.body).toMatch(/^pushed metrics are invalid or inconsistent with existing metrics: .*shared/);
      const secondRecord = (await store.get(groupingKeyId({ job: 'second' })))?.record;
      expect(secondRecord === undefined || secondRecord.deleted).toBe(true);
      // The mark is left as it was found: the gauge, settled.
      expect(await store.getMarks([familyMarkName('shared')])).toEqual(
        new Map([[familyMarkName('shared'), expect.objectContaining({ value: 'gauge', pending: false })]]),
      );

      await converges(repair, FIRST_ONLY);
      expect(conflicts()).toEqual([]);
    },
  );

  it.each<Backend>(['file', 'dynamodb'])(
    'refuses a group exposing the label set of another that no replica it reaches holds: the key mark sends it to the store (%s)',
    async (backend) => {
      // `{job="p"}` and `{job="p",instance=""}` expose one label set: a Pushgateway holding one refuses the other, and
      // keeps the refused group, empty, which then fails every gathering (the poison the ingestion never lets through).
      // Here the first reaches only the stable replica and the second only the victim, restarted empty: no replica
      // meets both. The second instance's push finds the key mark naming `{job="p"}`, settles, and loses.
      const refusing = await closedPortUrl();
      const { first, second, repair } = await setUp(0, { stableUrl: refusing }, backend);
      const one = await whileVictimDown(() => first(put('/metrics/job/p', 'p_only 1\n')));
      expect([one.status, one.headers[MISSED_HEADER]]).toEqual([200, 'pushgateway-1']);

      const two = await second(put('/metrics/job/p/instance@base64/=', 'q_only 2\n'));
      expect([two.status, two.headers[REJECTED_HEADER]]).toEqual([400, undefined]);
      expect(two.body).toMatch(
        /^pushed metrics are invalid or inconsistent with existing metrics: .*push_time_seconds/,
      );
      const collidingRecord = (await store.get(groupingKeyId({ job: 'p', instance: '' })))?.record;
      expect(collidingRecord === undefined || collidingRecord.deleted).toBe(true);

      await converges(repair, { '{"job":"p"}': { p_only: ['1'] } });
      expect(conflicts()).toEqual([]);
    },
  );

  it.each<Backend>(['file', 'dynamodb'])(
    'refuses a group putting a series of another in it when no replica it reaches holds that one: the crossing look sends it to the store (%s)',
    async (backend) => {
      // `{job="a"}` pushing m{instance="x"} and `{job="a",instance="x"}` pushing `m` expose one series; same family,
      // same type, so no mark tells them apart. The first reaches only the stable replica, the second only the victim,
      // restarted empty. Before crossings (series-crossings.ts) both were answered 200 and the repair cut one. Now
      // the second projects its new series onto the registered key names `job`, reads `{job="a"}`'s record, finds the
      // series there, settles and loses.
      const refusing = await closedPortUrl();
      const { first, second, repair } = await setUp(0, { stableUrl: refusing }, backend);
      const one = await whileVictimDown(() => first(put('/metrics/job/a', 'm{instance="x"} 1\na_only 1\n')));
      expect([one.status, one.headers[MISSED_HEADER]]).toEqual([200, 'pushgateway-1']);

      const two = await second(put('/metrics/job/a/instance/x', 'm 2\nx_only 2\n'));
      expect([two.status, two.headers[REJECTED_HEADER]]).toEqual([400, undefined]);
      expect(two.body).toMatch(/^pushed metrics are invalid or inconsistent with existing metrics: .*"m"/);
      const crossingRecord = (await store.get(groupingKeyId({ job: 'a', instance: 'x' })))?.record;
      expect(crossingRecord === undefined || crossingRecord.deleted).toBe(true);

      await converges(repair, { '{"job":"a"}': { m: ['1'], a_only: ['1'] } });
      expect(conflicts()).toEqual([]);
      // What the ingestion answered is what a Pushgateway holding the first says to the second.
      const direct = await fetch(`${stable.url}/metrics/job/a/instance/x`, { method: 'PUT', body: 'm 2\n' });
      expect(direct.status).toBe(400);
      expect(await direct.text()).toMatch(/collected before with the same name and label values/);
    },
  );

  it.each<Backend>(['file', 'dynamodb'])(
    'refuses a label value changed into the series of another group when no replica it reaches holds that group (%s)',
    async (backend) => {
      // `{job="a"}` first holds m{instance="y"}; then its re-push changes only the value, to m{instance="x"}, which
      // `{job="a",instance="x"}` already exposes. Same family, same label names: nothing but a look at the series
      // tells. The re-push reaches only the victim, restarted empty (the stable replica refuses the second instance).
      const refusing = await closedPortUrl();
      const { first, second, repair } = await setUp(0, { stableUrl: refusing }, backend);
      const x = await first(put('/metrics/job/a/instance/x', 'm 1\n'));
      expect([x.status, x.headers[MISSED_HEADER]]).toEqual([200, undefined]);
      const y = await second(put('/metrics/job/a', 'm{instance="y"} 2\n'));
      expect([y.status, y.headers[MISSED_HEADER]]).toEqual([200, 'pushgateway-0']);
      await whileVictimDown(async () => undefined);

      const changed = await second(put('/metrics/job/a', 'm{instance="x"} 3\n'));
      expect([changed.status, changed.headers[REJECTED_HEADER]]).toEqual([400, undefined]);
      expect(changed.body).toMatch(/^pushed metrics are invalid or inconsistent with existing metrics: .*"m"/);
      expect((await store.get(groupingKeyId({ job: 'a' })))?.record.families.map((f) => f.text)).toEqual([
        'm{instance="y"} 2\n',
      ]);

      await converges(repair, { '{"instance":"x","job":"a"}': { m: ['1'] }, '{"job":"a"}': { m: ['2'] } });
      expect(conflicts()).toEqual([]);
    },
  );

  it('condemns a contradicting push still in flight, so of two such pushes only one is ever answered 2xx', async () => {
    // The second instance's writes to the victim vanish (they time out after 8 s: the push is in flight meanwhile).
    // Its push reaches the stable replica; the first instance's push, stamped earlier (its clock runs a minute
    // behind), meets it there and is refused, and takes the victim. The first push wins the replay and condemns the
    // second, which saw no refusal of its own (the stable replica took it, the victim never answered): without the
    // condemnation both would be answered 2xx and the repair would cut one of them.
    const hole = await blackHoleWrites(victim.port);
    try {
      const { first, second, repair } = await setUp(-60_000, { victimUrl: hole.url });
      const inFlight = second(put('/metrics/job/second', '# TYPE shared counter\nshared 2\nsecond_only 2\n'));
      await eventually(
        async () => {
          const held = await families(stable.url);
          if (!held['{"job":"second"}']) throw new Error('the stable replica does not hold the second push yet');
        },
        { timeoutMs: 5000, intervalMs: 20 },
      );
      const one = await first(put('/metrics/job/first', '# TYPE shared gauge\nshared 1\nfirst_only 1\n'));
      expect([one.status, one.headers[REJECTED_HEADER]]).toEqual([200, 'pushgateway-0']);
      const two = await inFlight;
      expect(two.status).toBe(400);
      expect(two.body).toMatch(/^pushed metrics are invalid or inconsistent with existing metrics: .*shared/);
      // The Pushgateway's prefix once, then the reason the replay gave.
      expect(two.body.split('pushed metrics are invalid').length).toBe(2);

      await converges(repair, FIRST_ONLY);
      expect(conflicts()).toEqual([]);
    } finally {
      await hole.close();
    }
  });
  it.each([
    ['POST', 'waits for it to settle and builds on what is left once it lost'],
    ['PUT', 'replaces it at once; it is still judged by its own content'],
  ] as const)(
    'a contradicting push in flight, then a %s to its group that %s: the first gets 400, the second 200',
    async (method, _how) => {
      // The second instance's answers from the stable replica come 1.5 s late, so its contradicting PUT is in flight
      // when another push to the same group arrives at the first instance. A POST built on that PUT (the old way)
      // carried its counter on: the POST was refused for it, and the PUT, already replaced when it lost, was answered
      // 200 and later cut by the repair. Now a POST waits and builds on what is left once the PUT lost and was put back.
      // A PUT replaces it at once; the contradicting PUT is then judged by its own record (replayed in the place of the
      // one that replaced it), so it gets the Pushgateway's 400 either way, and nothing acknowledged is ever cut.
      const slow = await startSlowProxy(stable.port, 1500);
      try {
        const { first, second, repair } = await setUp(0, { stableUrl: slow.url });
        const one = await whileVictimDown(() =>
          first(put('/metrics/job/first', '# TYPE shared gauge\nshared 1\nfirst_only 1\n')),
        );
        expect([one.status, one.headers[MISSED_HEADER]]).toEqual([200, 'pushgateway-1']);

        const contradicting = second(put('/metrics/job/second', '# TYPE shared counter\nshared 2\nsecond_only 2\n'));
        await eventually(
          async () => {
            if (!(await families(victim.url))['{"job":"second"}'])
              throw new Error('the victim does not hold the PUT yet');
          },
          { timeoutMs: 5000, intervalMs: 20 },
        );
        const added = await first(handlerRequest(method, '/metrics/job/second', 'second_extra 5\n'));
        const refused = await contradicting;

        expect(refused.status).toBe(400);
        expect(refused.body).toMatch(/^pushed metrics are invalid or inconsistent with existing metrics: .*shared/);
        expect(added.status).toBe(200);
        await converges(repair, { ...FIRST_ONLY, '{"job":"second"}': { second_extra: ['5'] } });
        expect(conflicts()).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await slow.close();
      }
    },
  );
});
