import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { FileGroupStore, type GroupStore, updateEntry } from '../../../lambdas/adapters/group-store';
import {
  type ForwardedPush,
  type PushgatewayReplica,
  ReplicaUnavailableError,
  type StoredGroup,
} from '../../../lambdas/adapters/pushgateway';
import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import { abandonWriters, type GroupEntry, needsRepair, type SyncTiming } from '../../../lambdas/domain/group-sync';
import { groupingKeyId, parseGroupingPath } from '../../../lambdas/domain/grouping-key';
import { DEFAULT_PUSH_LIMITS } from '../../../lambdas/domain/push-limits';
import { GroupView } from '../../../lambdas/handlers/push-ingest/group-view';
import { type Logger, makeHandler } from '../../../lambdas/handlers/push-ingest/handler';
import { makeRepair } from '../../../lambdas/handlers/push-repair/repair';
import { handlerRequest } from '../../support/handler-request';

/**
 * Arbitrary interleavings of pushes, deletes, replica outages and restarts, ingestion restarts and repair passes,
 * with every replica request's arrival and answer scheduled by fast-check: both replicas end equal to a model of the
 * acknowledged operations.
 *
 * The replica stand-in does what a Pushgateway does with the only requests the ingestion sends it (PUT of a whole
 * group replaces the group; DELETE removes it: prometheus/pushgateway handler/push.go and delete.go), and fails
 * the ways a network does: refused connections (nothing applied), and answers lost after the request was applied.
 */

/** up; down (refuses connections); lossy (applies, the answer is lost); late (times out, applies later). */
type Mode = 'up' | 'down' | 'lossy' | 'late';

class SchedulerReplica implements PushgatewayReplica {
  readonly url = 'memory://';
  readonly groupsHeld = new Map<string, { key: Record<string, string>; text: string }>();
  /** Faults off (the final repair passes). */
  healed = false;
  /** Requests the ingestion gave up on that are still travelling, until a `deliver` command lets one land. */
  readonly travelling: { land: () => void; landed: Promise<void> }[] = [];
  private run = 0;
  constructor(
    readonly name: string,
    private readonly s: fc.Scheduler,
    /** What happens to each push request, in turn (drawn by fast-check). */
    private readonly modes: Iterator<Mode>,
  ) {}

  private get mode(): Mode {
    return this.healed ? 'up' : (this.modes.next().value as Mode);
  }

  async push(request: ForwardedPush) {
    const mode = this.mode;
    if (mode === 'down') throw new ReplicaUnavailableError(`${this.name}: connection refused`, false);
    const run = this.run;
    const arrive = async () => {
      await this.s.schedule(Promise.resolve(), `${this.name} receives ${request.method}`);
      const key = parseGroupingPath(decodeURIComponent(request.path));
      if (!key.ok) throw new Error(`bad path ${request.path}`);
      // A restart between sending and arrival: the request died with the old process.
      if (run !== this.run) return false;
      const id = groupingKeyId(key.key);
      if (request.method === 'DELETE') this.groupsHeld.delete(id);
      else this.groupsHeld.set(id, { key: key.key, text: Buffer.from(request.body).toString('utf8') });
      return true;
    };
    if (mode === 'late') {
      let land = () => {};
      const gate = new Promise<void>((resolve) => {
        land = resolve;
      });
      this.travelling.push({ land, landed: gate.then(() => arrive()).then(() => undefined) });
      throw new ReplicaUnavailableError(`${this.name}: no answer within the timeout`, true);
    }
    if (!(await arrive())) throw new ReplicaUnavailableError(`${this.name}: connection reset`, true);
    const lossy = mode === 'lossy';
    await this.s.schedule(Promise.resolve(), `${this.name} answers`);
    // A restart after applying: the connection died with the process, no answer came.
    if (run !== this.run) throw new ReplicaUnavailableError(`${this.name}: connection reset`, true);
    if (lossy) throw new ReplicaUnavailableError(`${this.name}: no answer within the timeout`, true);
    return { status: request.method === 'DELETE' ? 202 : 200, body: '' };
  }

  async groups(): Promise<StoredGroup[]> {
    return [...this.groupsHeld.values()].map((g) => ({ key: g.key, families: [], pushTimeSeconds: 0, raw: {} }));
  }

  async exposition(): Promise<Uint8Array> {
    throw new ReplicaUnavailableError(`${this.name}: this model replica has no protobuf exposition`);
  }

  async ownFamilies() {
    return new Map();
  }

  async incarnation() {
    return `run-${this.run}`;
  }

  restart(): void {
    this.run++;
    this.groupsHeld.clear();
  }

  /** Group id → family → value. */
  state(): Map<string, Map<string, string>> {
    const state = new Map<string, Map<string, string>>();
    for (const [id, group] of this.groupsHeld) {
      const parsed = parseExposition(group.text);
      if (!parsed.ok) throw new Error(`replica holds unparsable text: ${group.text}`);
      state.set(id, new Map(parsed.families.map((f) => [f.name, f.samples[0]?.value ?? ''])));
    }
    return state;
  }
}

/**
 * The store contract (`GroupStore`: conditional on rev, durable once resolved) in memory, each call reaching the
 * store at a point the scheduler picks, as calls to DynamoDB do. Kept across ingestion restarts (it is durable).
 */
class ScheduledStore implements GroupStore {
  private readonly entries = new Map<string, GroupEntry>();
  private readonly meta = new Map<string, string>();
  constructor(
    private readonly s: fc.Scheduler,
    private readonly isOwed: (entry: GroupEntry) => boolean,
  ) {}
  private async reach(label: string): Promise<void> {
    await this.s.schedule(Promise.resolve(), label);
  }
  async get(id: string) {
    await this.reach(`store get ${id}`);
    return this.entries.get(id);
  }
  async put(entry: GroupEntry, expectedRev: number | undefined) {
    await this.reach(`store put ${entry.record.id}`);
    if (this.entries.get(entry.record.id)?.rev !== expectedRev) return false;
    this.entries.set(entry.record.id, entry);
    return true;
  }
  async remove(id: string, expectedRev: number) {
    await this.reach(`store remove ${id}`);
    if (this.entries.get(id)?.rev !== expectedRev) return false;
    this.entries.delete(id);
    return true;
  }
  async all() {
    return [...this.entries.values()];
  }
  async owed(limit: number) {
    return [...this.entries.values()].filter(this.isOwed).slice(0, limit);
  }
  async getMeta(name: string) {
    return this.meta.get(name);
  }
  async putMeta(name: string, value: string) {
    this.meta.set(name, value);
  }
}

type Command =
  | { kind: 'push'; method: 'PUT' | 'POST' | 'DELETE'; group: number; value: number }
  | { kind: 'burst'; value: number }
  | { kind: 'restart-replica'; replica: number }
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
    arbitrary: fc.record({ kind: fc.constant('restart-replica' as const), replica: fc.integer({ min: 0, max: 1 }) }),
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
              (replicas[c.replica] as SchedulerReplica).restart();
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
