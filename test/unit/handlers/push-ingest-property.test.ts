import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { FileGroupStore, type GroupStore, updateEntry } from '../../../lambdas/adapters/group-store';
import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import { abandonWriters, needsRepair, type SyncTiming } from '../../../lambdas/domain/group-sync';
import { groupingKeyId } from '../../../lambdas/domain/grouping-key';
import { DEFAULT_PUSH_LIMITS } from '../../../lambdas/domain/push-limits';
import { GroupView } from '../../../lambdas/handlers/push-ingest/group-view';
import { type Logger, makeHandler } from '../../../lambdas/handlers/push-ingest/handler';
import { makeRepair } from '../../../lambdas/handlers/push-repair/repair';
import { handlerRequest } from '../../support/handler-request';
import { type Mode, ScheduledStore, SchedulerReplica } from '../../support/scheduled-ingestion';

/**
 * Arbitrary interleavings of pushes, deletes, replica outages, restarts (empty, or from a persistence file written at
 * a point drawn like any other: what the restarted replica holds exactly as the other does is not rewritten),
 * ingestion restarts and repair passes,
 * with every replica request's arrival and answer scheduled by fast-check: both replicas end equal to a model of the
 * acknowledged operations. The stand-ins are in test/support/scheduled-ingestion.ts.
 */

type Command =
  | { kind: 'push'; method: 'PUT' | 'POST' | 'DELETE'; group: number; value: number }
  | { kind: 'burst'; value: number }
  | { kind: 'restart-replica'; replica: number; fromFile: boolean }
  | { kind: 'persist-replica'; replica: number }
  | { kind: 'restart-ingestion' }
  | { kind: 'repair' }
  | { kind: 'deliver'; replica: number }
  | { kind: 'tick' };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('push' as const),
      method: fc.constantFrom('PUT' as const, 'POST' as const, 'DELETE' as const),
      group: fc.integer({ min: 0, max: 2 }),
      value: fc.integer({ min: 1, max: 99 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('burst' as const), value: fc.integer({ min: 1, max: 99 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('restart-replica' as const),
      replica: fc.integer({ min: 0, max: 1 }),
      fromFile: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('persist-replica' as const), replica: fc.integer({ min: 0, max: 1 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart-ingestion' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'repair' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'tick' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('deliver' as const), replica: fc.integer({ min: 0, max: 1 }) }),
  },
);

/** Mostly answered; sometimes refused, answered too late, or lost after applying. */
const mode: fc.Arbitrary<Mode> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Mode>('up') },
  { weight: 1, arbitrary: fc.constantFrom<Mode>('down', 'lossy', 'late') },
);

const silent: Logger = { info() {}, warn() {}, error() {} };
const TIMING: SyncTiming = { leaseMs: 5000, writerExpiryMs: 60_000 };

const groupPath = (group: number) => `/metrics/job/prop/instance/g${group}`;
const groupKeyId = (group: number) => groupingKeyId({ job: 'prop', instance: `g${group}` });
const BURST_GROUP = 3;

const request = handlerRequest;

describe('push ingestion under arbitrary interleavings (fast-check)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-ingest-prop-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['an in-memory store whose every call the scheduler orders', 'memory' as const, 300],
    ['the local file store, reloaded at each ingestion restart', 'file' as const, 100],
  ])('ends with both replicas equal to the model of the acknowledged operations, with %s', async (_, kind, numRuns) => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(command, { minLength: 1, maxLength: 30 }),
        fc.infiniteStream(mode),
        fc.infiniteStream(mode),
        async (s, commands, modes0, modes1) => {
          let clock = 1_000_000;
          const now = () => clock;
          const file = path.join(dir, `store-${run++}.jsonl`);
          const replicas = [
            new SchedulerReplica('pushgateway-0', s, modes0[Symbol.iterator]()),
            new SchedulerReplica('pushgateway-1', s, modes1[Symbol.iterator]()),
          ];
          const names = replicas.map((r) => r.name);
          const memory = new ScheduledStore(s, (entry) => needsRepair(entry, names));
          const open = async () => {
            const store: GroupStore & { close?(): Promise<void> } =
              kind === 'file' ? new FileGroupStore(file, (entry) => needsRepair(entry, names)) : memory;
            for (const entry of await store.all()) {
              await updateEntry(store, entry.record.id, (c) =>
                c ? { entry: abandonWriters(c, now(), TIMING), result: undefined } : undefined,
              );
            }
            const view = await GroupView.load(store);
            const handle = makeHandler({
              replicas,
              store,
              view,
              limits: DEFAULT_PUSH_LIMITS,
              timing: TIMING,
              logger: silent,
              now,
            });
            const repair = makeRepair({ replicas, store, timing: TIMING, logger: silent, now });
            return { store, handle, repair };
          };
          let ingestion = await s.waitFor(open());
          // Per group, the acknowledged operations in order (each group's pushes are chained, as one client's are).
          const model = new Map<string, Map<string, string>>();
          const chains = new Map<number, Promise<void>>();
          const inFlight: Promise<unknown>[] = [];
          const track = <T>(p: Promise<T>) => {
            inFlight.push(p);
            return p;
          };
          const settle = async () => {
            for (;;) {
              const late = replicas.flatMap((r) => r.travelling.splice(0));
              for (const l of late) l.land();
              const pending = [...inFlight.splice(0), ...late.map((l) => l.landed)];
              if (pending.length === 0) return;
              await s.waitFor(Promise.all(pending));
            }
          };

          // The commands run in order, each at a point the scheduler picks among the replicas' events.
          const steps = commands.map((c) => async () => {
            if (c.kind === 'push') {
              const previous = chains.get(c.group) ?? Promise.resolve();
              const { handle } = ingestion;
              const body = c.method === 'PUT' ? `a ${c.value}\n` : c.method === 'POST' ? `b ${c.value}\n` : '';
              const next = previous.then(async () => {
                const answer = await handle(request(c.method, groupPath(c.group), body));
                if (answer.status < 200 || answer.status >= 300) return;
                const id = groupKeyId(c.group);
                if (c.method === 'DELETE') model.delete(id);
                else if (c.method === 'PUT') model.set(id, new Map([['a', String(c.value)]]));
                else model.set(id, new Map([...(model.get(id) ?? []), ['b', String(c.value)]]));
              });
              chains.set(c.group, next);
              track(next);
            } else if (c.kind === 'burst') {
              // Three concurrent writers of one group: only convergence is checked for it.
              const { handle } = ingestion;
              track(handle(request('PUT', groupPath(BURST_GROUP), `a ${c.value}\n`)));
              track(handle(request('POST', groupPath(BURST_GROUP), `b ${c.value}\n`)));
              track(handle(request(c.value % 2 ? 'DELETE' : 'PUT', groupPath(BURST_GROUP), `a ${c.value + 1}\n`)));
            } else if (c.kind === 'restart-replica') {
              (replicas[c.replica] as SchedulerReplica).restart(c.fromFile);
            } else if (c.kind === 'persist-replica') {
              (replicas[c.replica] as SchedulerReplica).persist();
            } else if (c.kind === 'deliver') {
              // The oldest request still travelling to the replica lands now.
              const late = (replicas[c.replica] as SchedulerReplica).travelling.shift();
              if (late) {
                late.land();
                track(late.landed);
              }
            } else if (c.kind === 'repair') {
              track(ingestion.repair());
            } else {
              clock += 1000;
            }
          });
          // An ingestion restart ends a segment: what was in flight finishes against the old process's store first
          // (the file has one writer), then the new process loads it, with the old writers abandoned.
          let segment: (() => Promise<void>)[] = [];
          for (const [i, c] of commands.entries()) {
            if (c.kind !== 'restart-ingestion') segment.push(steps[i] as () => Promise<void>);
            if (c.kind === 'restart-ingestion' || i === commands.length - 1) {
              await s.waitFor(s.scheduleSequence(segment).task);
              segment = [];
              if (c.kind === 'restart-ingestion') {
                await settle();
                await ingestion.store.close?.();
                ingestion = await s.waitFor(open());
              }
            }
          }
          await settle();
          for (const replica of replicas) replica.healed = true;
          clock += TIMING.writerExpiryMs + TIMING.leaseMs;
          for (let pass = 0; pass < 5; pass++) {
            await s.waitFor(ingestion.repair());
            await settle();
          }
          const [first, second] = replicas.map((r) => r.state()) as [
            Map<string, Map<string, string>>,
            Map<string, Map<string, string>>,
          ];
          const burstId = groupKeyId(BURST_GROUP);
          const burst = (await s.waitFor(ingestion.store.get(burstId)))?.record;
          const expected = new Map(model);
          if (burst && !burst.deleted) {
            const parsed = parseExposition(burst.families.map((f) => f.text).join(''));
            if (parsed.ok)
              expected.set(burstId, new Map(parsed.families.map((f) => [f.name, f.samples[0]?.value ?? ''])));
          }
          const sorted = (m: Map<string, Map<string, string>>) =>
            [...m].map(([id, f]) => [id, [...f].sort()] as const).sort((x, y) => x[0].localeCompare(y[0]));
          expect(sorted(first)).toEqual(sorted(expected));
          expect(sorted(second)).toEqual(sorted(expected));
          await ingestion.store.close?.();
        },
      ),
      { numRuns, timeout: 10_000 },
    );
  });
});
