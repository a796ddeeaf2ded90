import type fc from 'fast-check';
import type { GroupStore } from '../../lambdas/adapters/group-store';
import {
  type ForwardedPush,
  type PushgatewayReplica,
  ReplicaUnavailableError,
  type StoredGroup,
  toStoredGroup,
} from '../../lambdas/adapters/pushgateway';
import type { Mark } from '../../lambdas/domain/conflict-marks';
import { parseExposition } from '../../lambdas/domain/exposition/parser';
import { metricFamilyType } from '../../lambdas/domain/exposition/protobuf';
import { delimitedBody } from '../../lambdas/domain/exposition/protobuf-encode';
import type { GroupEntry } from '../../lambdas/domain/group-sync';
import { groupingKeyId, parseGroupingPath } from '../../lambdas/domain/grouping-key';
import { groupLabelSetId, pushedFamilies } from '../../lambdas/domain/pushgateway-semantics';

/**
 * Stand-ins for the push functions' two outside interfaces, every call reaching them at a point a fast-check
 * scheduler picks: a Pushgateway replica (what it does with the only requests the ingestion sends it: PUT of a whole
 * group replaces the group, DELETE removes it, prometheus/pushgateway handler/push.go and delete.go; and the ways a
 * network fails) and the group store (the `GroupStore` contract: conditional on rev, durable once resolved).
 */

/** up; down (refuses connections); lossy (applies, the answer is lost); late (times out, applies later). */
export type Mode = 'up' | 'down' | 'lossy' | 'late';

export class SchedulerReplica implements PushgatewayReplica {
  readonly url = 'memory://';
  readonly groupsHeld = new Map<string, { key: Record<string, string>; text: string }>();
  /** What the replica's persistence file holds: `groupsHeld` when `persist` last ran (every few minutes in a Pushgateway). */
  private persisted = new Map<string, { key: Record<string, string>; text: string }>();
  /** Faults off (the final repair passes). */
  healed = false;
  /** Requests the ingestion gave up on that are still travelling, until a `deliver` command lets one land. */
  readonly travelling: { land: () => void; landed: Promise<void> }[] = [];
  /**
   * Pushes refused for contradicting another group held (`checkTypes`): a family name with another type, or the label
   * set another group exposes.
   */
  consistencyRefusals = 0;
  private run = 0;
  constructor(
    readonly name: string,
    private readonly s: fc.Scheduler,
    /** What happens to each push request, in turn (drawn by fast-check). */
    private readonly modes: Iterator<Mode>,
    /**
     * Refuse a PUT whose families contradict another group's (a family name with another type, or the label set
     * another group exposes), as a Pushgateway does: prometheus/pushgateway storage/diskmetricstore.go `checkWriteRequest` gathers every group with the push
     * applied, client_golang's Gatherer fails on a name with two types, and handler/push.go answers 400 with nothing
     * applied. (The real one also records the refusal's failure time in the group; not modelled here.)
     */
    private readonly checkTypes = false,
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
      else {
        const text = Buffer.from(request.body).toString('utf8');
        const clash = this.checkTypes ? this.clash(id, key.key, text) : undefined;
        if (clash) return clash;
        this.groupsHeld.set(id, { key: key.key, text });
      }
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
    const arrived = await arrive();
    if (arrived === false) throw new ReplicaUnavailableError(`${this.name}: connection reset`, true);
    if (typeof arrived === 'string') {
      await this.s.schedule(Promise.resolve(), `${this.name} refuses`);
      return { status: 400, body: `pushed metrics are invalid or inconsistent with existing metrics: ${arrived}` };
    }
    const lossy = mode === 'lossy';
    await this.s.schedule(Promise.resolve(), `${this.name} answers`);
    // A restart after applying: the connection died with the process, no answer came.
    if (run !== this.run) throw new ReplicaUnavailableError(`${this.name}: connection reset`, true);
    if (lossy) throw new ReplicaUnavailableError(`${this.name}: no answer within the timeout`, true);
    return { status: request.method === 'DELETE' ? 202 : 200, body: '' };
  }

  /** Why the PUT of `text` to group `id` contradicts another group held, or undefined. */
  private clash(id: string, key: Record<string, string>, text: string): string | undefined {
    const pushed = parseExposition(text);
    if (!pushed.ok) return `unparsable push: ${pushed.error.message}`;
    // Two samples of one series (the ingestion's refusal marker, push-refusal.ts): client_golang's Gatherer fails with
    // "was collected before with the same name and label values", so the Pushgateway refuses it too.
    for (const family of pushed.families) {
      const series = family.samples.map((sample) => `${sample.name}${JSON.stringify(sample.labels)}`);
      if (new Set(series).size !== series.length) {
        return `collected metric ${family.name} was collected before with the same name and label values`;
      }
    }
    const labelSet = groupLabelSetId(key);
    // Each series as the Pushgateway labels it (grouping labels override, `instance` defaults to ""): checked against
    // prometheus-pushgateway 1.5.1 in test/integration/push-ingest*.test.ts.
    const pushedSeries = pushedFamilies(pushed.families, key);
    for (const [other, group] of this.groupsHeld) {
      if (other === id) continue;
      // `{job="p"}` and `{job="p",instance=""}` expose one push_time_seconds series: the Gatherer fails on it. (The real
      // Pushgateway also keeps the refused group, empty, which then fails every gathering; not modelled here.)
      if (groupLabelSetId(group.key) === labelSet) {
        this.consistencyRefusals++;
        return `collected metric push_time_seconds was collected before with the same name and label values`;
      }
      const held = parseExposition(group.text);
      if (!held.ok) continue;
      for (const family of pushed.families) {
        const clash = held.families.find((f) => f.name === family.name && f.type !== family.type);
        if (clash) {
          this.consistencyRefusals++;
          return `collected metric ${family.name} has type ${family.type} but should have ${clash.type}`;
        }
      }
      // One series in two groups: the Gatherer fails on the second ("collected before with the same name and label
      // values"), as for the label set above.
      const heldSeries = pushedFamilies(held.families, group.key);
      for (const family of pushedSeries) {
        const same = heldSeries.find((f) => f.name === family.name);
        if (same && family.seriesIds.some((id) => same.seriesIds.includes(id))) {
          this.consistencyRefusals++;
          return `collected metric ${family.name} was collected before with the same name and label values`;
        }
      }
    }
    return undefined;
  }

  /**
   * `/api/v1/metrics`, read at a point the scheduler picks: each group's families with every series' labels (the
   * grouping labels included, as handler/push.go sets them) and value, and a push time (not kept: nonzero).
   */
  async groups(): Promise<StoredGroup[]> {
    await this.s.schedule(Promise.resolve(), `${this.name} lists its groups`);
    return [...this.groupsHeld.values()].map((g) => {
      const api: Record<string, unknown> = { labels: g.key, push_time_seconds: { metrics: [{ value: '1' }] } };
      for (const family of this.families(g)) {
        api[family.name] = {
          type: 'UNTYPED',
          metrics: family.samples.map((sample) => ({ labels: sample.labels, value: sample.value })),
        };
      }
      return toStoredGroup(api as Parameters<typeof toStoredGroup>[0]);
    });
  }

  /** The protobuf `/metrics`, read at a point the scheduler picks (another time than `groups`): every series, untyped. */
  async exposition(): Promise<Uint8Array> {
    await this.s.schedule(Promise.resolve(), `${this.name} serves /metrics`);
    const type = metricFamilyType();
    const messages = [...this.groupsHeld.values()].flatMap((g) =>
      this.families(g).map((family) =>
        type
          .encode({
            name: family.name,
            type: 3,
            metric: family.samples.map((sample) => ({
              label: Object.keys(sample.labels)
                .sort()
                .map((name) => ({ name, value: Buffer.from(sample.labels[name] ?? '') })),
              untyped: { value: Number(sample.value) },
            })),
          })
          .finish(),
      ),
    );
    return delimitedBody(messages);
  }

  /** A group's families, each series labelled as the Pushgateway exposes it (grouping labels, `instance` default ""). */
  private families(group: { key: Record<string, string>; text: string }) {
    const parsed = parseExposition(group.text);
    if (!parsed.ok) throw new Error(`replica holds unparsable text: ${group.text}`);
    const instance = group.key.instance === undefined ? { instance: '' } : {};
    return parsed.families.map((family) => ({
      name: family.name,
      samples: family.samples.map((sample) => ({
        labels: { ...Object.fromEntries(sample.labels), ...instance, ...group.key } as Record<string, string>,
        value: sample.value,
      })),
    }));
  }

  async ownFamilies() {
    return new Map();
  }

  async incarnation() {
    return `run-${this.run}`;
  }

  /** The persistence file is written: it now holds what the replica holds. */
  persist(): void {
    this.persisted = new Map(this.groupsHeld);
  }

  /** The process dies; the new one starts empty, or from its persistence file (possibly older than what it held). */
  restart(fromFile = false): void {
    this.run++;
    this.groupsHeld.clear();
    if (fromFile) for (const [id, group] of this.persisted) this.groupsHeld.set(id, group);
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
export class ScheduledStore implements GroupStore {
  private readonly entries = new Map<string, GroupEntry>();
  private readonly meta = new Map<string, string>();
  private readonly marks = new Map<string, Mark>();
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
    await this.reach('store all');
    return [...this.entries.values()];
  }
  async owed(limit: number) {
    return [...this.entries.values()].filter(this.isOwed).slice(0, limit);
  }
  async getMarks(names: readonly string[]) {
    await this.reach(`store marks ${names.join(',')}`);
    const found = new Map<string, Mark>();
    for (const name of names) {
      const mark = this.marks.get(name);
      if (mark) found.set(name, mark);
    }
    return found;
  }
  async putMark(name: string, mark: Mark, expectedEpoch: number | undefined) {
    await this.reach(`store mark ${name}`);
    if (this.marks.get(name)?.epoch !== expectedEpoch) return false;
    this.marks.set(name, mark);
    return true;
  }
  async getMeta(name: string) {
    return this.meta.get(name);
  }
  async putMeta(name: string, value: string) {
    this.meta.set(name, value);
  }
}
