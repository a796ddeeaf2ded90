import fc from 'fast-check';
import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import { needsRepair, type SyncTiming } from '../../../lambdas/domain/group-sync';
import { type GroupingKey, groupingKeyId } from '../../../lambdas/domain/grouping-key';
import { DEFAULT_PUSH_LIMITS } from '../../../lambdas/domain/push-limits';
import { GroupView } from '../../../lambdas/handlers/push-ingest/group-view';
import { type Logger, makeHandler, type PushResponse } from '../../../lambdas/handlers/push-ingest/handler';
import { makeRepair } from '../../../lambdas/handlers/push-repair/repair';
import { handlerRequest } from '../../support/handler-request';
import { type Mode, ScheduledStore, SchedulerReplica } from '../../support/scheduled-ingestion';

/**
 * Two ingestion instances (two Lambda instances sharing the table) each push a group with the family `shared`,
 * one as a gauge and one as a counter: a Pushgateway holding one refuses the other. Every store call and every
 * replica request lands where a fast-check scheduler puts it; replicas refuse connections, lose answers or answer
 * late at random; the instances' clocks are skewed by up to two minutes either way.
 *
 * What the acknowledgement protocol promises (conflict-settlement.ts `settleConflict`, group-sync.ts `acknowledgeEntry`,
 * family-marks.ts):
 * - at most one of them is answered 2xx, whether they met on a replica (one was refused by a replica holding the
 *   other) or not (each was written only to replicas lacking the other: the family's mark made one of them settle
 *   against the store);
 * - a 2xx push is never cut by the repair;
 * - after the faults heal, both replicas hold the same groups, and a push answered 4xx/5xx left nothing.
 * With a third push racing them (a PUT or a POST to one of the two groups, from either instance), pushes to one group
 * take turns while one may still lose (handler.ts `settledBase`): it never carries a refused push's content on.
 */

const TIMING: SyncTiming = { leaseMs: 5000, writerExpiryMs: 60_000 };
const GAUGE = '# TYPE shared gauge\nshared 1\ngauge_only 1\n';
const COUNTER = '# TYPE shared counter\nshared 2\ncounter_only 2\n';
const EXTRA = 'extra 5\n';

/** One of the two contradicting pushes: where it goes and what it holds. */
interface Contender {
  readonly path: string;
  readonly body: string;
  readonly key: GroupingKey;
}

/** `shared` as a gauge in one group and as a counter in another (a family mark tells them apart). */
const TYPES: readonly [Contender, Contender] = [
  { path: '/metrics/job/g', body: GAUGE, key: { job: 'g' } },
  { path: '/metrics/job/c', body: COUNTER, key: { job: 'c' } },
];

/** `{job="p"}` and `{job="p",instance=""}`: one label set, two groups (a key mark tells them apart). */
const KEYS: readonly [Contender, Contender] = [
  { path: '/metrics/job/p', body: 'p_only 1\n', key: { job: 'p' } },
  { path: '/metrics/job/p/instance@base64/=', body: 'q_only 2\n', key: { job: 'p', instance: '' } },
];

/** `{job="a"}` exposing m{instance="x"} and `{job="a",instance="x"}` exposing `m`: one series, two groups. */
const SERIES: readonly [Contender, Contender] = [
  { path: '/metrics/job/a', body: 'm{instance="x"} 1\na_only 1\n', key: { job: 'a' } },
  { path: '/metrics/job/a/instance/x', body: 'm 2\nx_only 2\n', key: { job: 'a', instance: 'x' } },
];

/** Mostly answered; often enough refused, late or lost that each push meets the other in some runs and not others. */
const mode: fc.Arbitrary<Mode> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Mode>('up') },
  { weight: 1, arbitrary: fc.constantFrom<Mode>('down', 'lossy', 'late') },
);

/** The third push: to which group, how, through which instance. */
interface Follow {
  readonly target: 'g' | 'c';
  readonly method: 'PUT' | 'POST';
  readonly via: 0 | 1;
}
const follow: fc.Arbitrary<Follow> = fc.record({
  target: fc.constantFrom('g' as const, 'c' as const),
  method: fc.constantFrom('PUT' as const, 'POST' as const),
  via: fc.constantFrom(0 as const, 1 as const),
});

/** A third push racing the two: what, where, through which instance. */
interface Third {
  readonly method: 'PUT' | 'POST';
  readonly path: string;
  readonly body: string;
  readonly via: 0 | 1;
}
const thirdOf = (f: Follow): Third => ({ method: f.method, path: `/metrics/job/${f.target}`, body: EXTRA, via: f.via });

const ok = (status: number) => status >= 200 && status < 300;

function whole(body: string): Map<string, string> {
  const parsed = parseExposition(body);
  if (!parsed.ok) throw new Error('test body parses');
  return new Map(parsed.families.map((f) => [f.name, f.samples[0]?.value ?? '']));
}

interface Race {
  readonly g: PushResponse;
  readonly c: PushResponse;
  readonly f?: PushResponse;
  /** Whether a replica holding one of the pushes refused the other. */
  readonly met: boolean;
  /** Whether the repair cut an acknowledged record back (logged as an error). */
  readonly cut: boolean;
  /** What a group holds once healed (both replicas are checked equal first). */
  held(key: GroupingKey): Map<string, string> | undefined;
}

/** The two contradicting pushes (and `third`, racing them), then healing and repair passes. */
async function race(
  s: fc.Scheduler,
  skewMs: number,
  modes0: fc.Stream<Mode>,
  modes1: fc.Stream<Mode>,
  third?: Third,
  [first, second]: readonly [Contender, Contender] = TYPES,
  /** The first push is answered before the others start (the third then replaces an acknowledged version). */
  firstAlone = false,
): Promise<Race> {
  let clock = 1_000_000;
  const replicas = [
    new SchedulerReplica('pushgateway-0', s, modes0[Symbol.iterator](), true),
    new SchedulerReplica('pushgateway-1', s, modes1[Symbol.iterator](), true),
  ];
  const names = replicas.map((r) => r.name);
  const store = new ScheduledStore(s, (entry) => needsRepair(entry, names));
  const errors: string[] = [];
  const logger: Logger = { info() {}, warn() {}, error: (message) => errors.push(message) };
  const instance = async (now: () => number) =>
    makeHandler({
      replicas,
      store,
      view: await GroupView.load(store),
      limits: DEFAULT_PUSH_LIMITS,
      timing: TIMING,
      logger,
      now,
    });
  const instances = await s.waitFor(Promise.all([instance(() => clock + skewMs), instance(() => clock)]));
  const [gauge, counter] = instances;
  const pushFirst = () => gauge(handlerRequest('PUT', first.path, first.body));
  const before = firstAlone ? await s.waitFor(pushFirst()) : undefined;
  const [g, c, f] = await s.waitFor(
    Promise.all([
      before ?? pushFirst(),
      counter(handlerRequest('PUT', second.path, second.body)),
      ...(third ? [instances[third.via](handlerRequest(third.method, third.path, third.body))] : []),
    ]),
  );
  if (!g || !c) throw new Error('both pushes answered');
  // Counted before healing: the repair's writes are not pushes meeting each other.
  const met = replicas.some((replica) => replica.consistencyRefusals > 0);

  // Heal: late requests land, the writers' leases run out, the repair brings both replicas to the records.
  for (const replica of replicas) {
    for (const late of replica.travelling.splice(0)) {
      late.land();
      await s.waitFor(late.landed);
    }
    replica.healed = true;
  }
  // Leases were stamped by the instances' own (skewed) clocks: the repair's clock waits them out too.
  clock += TIMING.writerExpiryMs + TIMING.leaseMs + Math.abs(skewMs);
  const repair = makeRepair({ replicas, store, timing: TIMING, logger, now: () => clock });
  for (let pass = 0; pass < 6; pass++) await s.waitFor(repair());

  const [one, other] = replicas.map((r) => r.state());
  expect(one).toEqual(other);
  return {
    g,
    c,
    ...(f ? { f } : {}),
    met,
    cut: errors.some((e) => e.startsWith('two ingestion instances committed conflicting groups')),
    held: (key) => one?.get(groupingKeyId(key)),
  };
}

const arbitraries = [
  fc.scheduler(),
  fc.integer({ min: -120_000, max: 120_000 }),
  fc.infiniteStream(mode),
  fc.infiniteStream(mode),
] as const;

/**
 * The two contenders race (no third push): at most one is answered 2xx, a 2xx push is held whole, a refused one left
 * nothing, nothing was cut. Not vacuous: the pushes met on a replica in many runs, missed each other in others (then
 * only the store could tell), and one of them was acknowledged in many.
 */
async function atMostOneAcknowledged(contenders: readonly [Contender, Contender]): Promise<void> {
  const seen = { met: 0, oneAcknowledged: 0, refusedUnmet: 0 };
  const [first, second] = contenders;
  await fc.assert(
    fc.asyncProperty(...arbitraries, async (s, skewMs, modes0, modes1) => {
      const { g, c, met, cut, held } = await race(s, skewMs, modes0, modes1, undefined, contenders);
      if (met) seen.met++;
      else if ([g, c].some((answer) => answer.status === 400)) seen.refusedUnmet++;
      if (ok(g.status) !== ok(c.status)) seen.oneAcknowledged++;
      expect([g.status, c.status].filter(ok).length).toBeLessThanOrEqual(1);
      expect(cut).toBe(false);
      expect(held(first.key)).toEqual(ok(g.status) ? whole(first.body) : undefined);
      expect(held(second.key)).toEqual(ok(c.status) ? whole(second.body) : undefined);
    }),
    { numRuns: 300, timeout: 10_000 },
  );
  if (process.env.PROPERTY_FIGURES) console.error(JSON.stringify(seen));
  expect(seen.met).toBeGreaterThan(30);
  expect(seen.refusedUnmet).toBeGreaterThan(10);
  expect(seen.oneAcknowledged).toBeGreaterThan(30);
}

describe('two ingestion instances pushing contradicting groups under arbitrary interleavings (fast-check)', () => {
  it('answers at most one of them 2xx, met on a replica or not, and never cuts a 2xx push', async () => {
    // Refused for the other without any replica refusing either: only the store could tell (the family's mark).
    // Before family marks, 31-51 of 300 runs ended with both answered 2xx and one cut.
    await atMostOneAcknowledged(TYPES);
  });

  it('never lets a third push to one of the groups carry a refused push content on, or lose a 2xx push', async () => {
    const seen = { followAcknowledged: 0, followOnRefused: 0 };
    await fc.assert(
      fc.asyncProperty(...arbitraries, follow, async (s, skewMs, modes0, modes1, third) => {
        const { g, c, f, cut, held } = await race(s, skewMs, modes0, modes1, thirdOf(third));
        if (!f) throw new Error('the third push answered');
        expect(cut).toBe(false);
        // Both 2xx only when an acknowledged PUT replaced one of them in between (the third push holds no `shared`).
        if (!(third.method === 'PUT' && ok(f.status))) {
          expect([g.status, c.status].filter(ok).length).toBeLessThanOrEqual(1);
        }
        // Every 2xx push is held whole (a later one may replace it), and a refused one left nothing.
        const base = { g: { answer: g, body: GAUGE }, c: { answer: c, body: COUNTER } };
        for (const job of ['g', 'c'] as const) {
          const { answer, body } = base[job];
          if (job !== third.target) {
            expect(held({ job })).toEqual(ok(answer.status) ? whole(body) : undefined);
            continue;
          }
          // The third push's group: the two pushes in either order, as acknowledged.
          const candidates: (Map<string, string> | undefined)[] = [];
          if (ok(answer.status) && ok(f.status)) {
            candidates.push(whole(body), third.method === 'PUT' ? whole(EXTRA) : whole(body + EXTRA));
          } else if (ok(answer.status)) candidates.push(whole(body));
          else if (ok(f.status)) candidates.push(whole(EXTRA));
          else candidates.push(undefined);
          expect(candidates).toContainEqual(held({ job }));
          if (ok(f.status)) seen.followAcknowledged++;
          if (ok(f.status) && !ok(answer.status)) seen.followOnRefused++;
        }
      }),
      { numRuns: 300, timeout: 10_000 },
    );
    if (process.env.PROPERTY_FIGURES) console.error(JSON.stringify(seen));
    // Not vacuous: the third push was acknowledged in many runs, also on a group whose own push was refused.
    expect(seen.followAcknowledged).toBeGreaterThan(30);
    expect(seen.followOnRefused).toBeGreaterThan(5);
  });

  it('answers at most one of two groups exposing one label set 2xx, met on a replica or not, and never cuts one', async () => {
    await atMostOneAcknowledged(KEYS);
  });

  it('answers at most one of two groups exposing one series 2xx, met on a replica or not, and never cuts one', async () => {
    // Refused without any replica refusing either: only the crossing look could tell (series-crossings.ts).
    await atMostOneAcknowledged(SERIES);
  });

  it('never acknowledges a label value changed into the series of another group beside it (same family, same names)', async () => {
    // `{job="a"}` holds m{instance="y"} (answered first). Then, racing: the other instance creates
    // `{job="a",instance="x"}` pushing `m`, and the first instance re-pushes `{job="a"}` with m{instance="x"}: the same
    // family and label names as before, only a value changed, which is what a look keyed on names alone would miss.
    const seen = { met: 0, refusedUnmet: 0, xAcknowledged: 0, changeAcknowledged: 0 };
    const [a, x] = SERIES;
    const before = { ...a, body: 'm{instance="y"} 1\na_only 1\n' };
    const change: Third = { method: 'PUT', path: a.path, body: 'm{instance="x"} 3\n', via: 0 };
    await fc.assert(
      fc.asyncProperty(...arbitraries, async (s, skewMs, modes0, modes1) => {
        const { g, c, f, met, cut, held } = await race(s, skewMs, modes0, modes1, change, [before, x], true);
        if (!f) throw new Error('the change answered');
        if (met) seen.met++;
        else if ([c, f].some((answer) => answer.status === 400)) seen.refusedUnmet++;
        if (ok(c.status)) seen.xAcknowledged++;
        if (ok(f.status)) seen.changeAcknowledged++;
        expect(cut).toBe(false);
        expect([c.status, f.status].filter(ok).length).toBeLessThanOrEqual(1);
        expect(held(x.key)).toEqual(ok(c.status) ? whole(x.body) : undefined);
        expect(held(a.key)).toEqual(ok(f.status) ? whole(change.body) : ok(g.status) ? whole(before.body) : undefined);
      }),
      { numRuns: 300, timeout: 20_000 },
    );
    if (process.env.PROPERTY_FIGURES) console.error(JSON.stringify(seen));
    expect(seen.met).toBeGreaterThan(30);
    expect(seen.refusedUnmet).toBeGreaterThan(5);
    expect(seen.xAcknowledged).toBeGreaterThan(30);
    expect(seen.changeAcknowledged).toBeGreaterThan(30);
  });

  it('never lets a contradicting push win against a replacement in flight that is then put back (the gauge first)', async () => {
    // The gauge is answered first; then a PUT replacing it (without `shared`) races the counter from the other
    // instance. When the replacement fails everywhere it is put back to the gauge: the counter must not have been
    // acknowledged meanwhile (it waits for the replacement to settle, conflict-settlement.ts).
    const seen = { gaugeAcknowledged: 0, replacementFailed: 0, counterAcknowledged: 0 };
    const replacement: Follow = { target: 'g', method: 'PUT', via: 0 };
    // Replicas down far more often, so the replacement fails everywhere in many runs.
    const hostile = fc.oneof(
      { weight: 3, arbitrary: fc.constant<Mode>('up') },
      { weight: 2, arbitrary: fc.constant<Mode>('down') },
      { weight: 1, arbitrary: fc.constantFrom<Mode>('lossy', 'late') },
    );
    const [scheduler, skew] = arbitraries;
    await fc.assert(
      fc.asyncProperty(
        scheduler,
        skew,
        fc.infiniteStream(hostile),
        fc.infiniteStream(hostile),
        async (s, skewMs, modes0, modes1) => {
          const { g, c, f, cut, held } = await race(s, skewMs, modes0, modes1, thirdOf(replacement), TYPES, true);
          if (!f) throw new Error('the replacement answered');
          if (ok(g.status)) seen.gaugeAcknowledged++;
          if (ok(g.status) && !ok(f.status)) seen.replacementFailed++;
          if (ok(c.status)) seen.counterAcknowledged++;
          expect(cut).toBe(false);
          // The gauge's group holds the replacement if acknowledged, else the gauge if acknowledged, else nothing.
          expect(held({ job: 'g' })).toEqual(ok(f.status) ? whole(EXTRA) : ok(g.status) ? whole(GAUGE) : undefined);
          expect(held({ job: 'c' })).toEqual(ok(c.status) ? whole(COUNTER) : undefined);
          // A gauge held at the end and an acknowledged counter never stand together.
          if (ok(g.status) && !ok(f.status)) expect(ok(c.status)).toBe(false);
        },
      ),
      { numRuns: 300, timeout: 20_000 },
    );
    if (process.env.PROPERTY_FIGURES) console.error(JSON.stringify(seen));
    expect(seen.gaugeAcknowledged).toBeGreaterThan(100);
    // Not vacuous: 24-39 of the 300 runs in 10 samples (session 24); the floor sits well under that spread.
    expect(seen.replacementFailed).toBeGreaterThan(10);
    expect(seen.counterAcknowledged).toBeGreaterThan(30);
  });
});
