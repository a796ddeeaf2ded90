import type { GroupStore } from '../../adapters/group-store';
import type { PushgatewayReplica } from '../../adapters/pushgateway';
import type { MetricType } from '../../domain/exposition/parser';
import { recordState } from '../../domain/group-conflicts';
import { GroupIndex } from '../../domain/group-index';
import type { GroupRecord } from '../../domain/group-record';
import { type GroupingKey, keyNamesOf } from '../../domain/grouping-key';
import { type GroupState, groupLabelSetId } from '../../domain/pushgateway-semantics';

/**
 * What validation checks a push against: the groups of the store's records, indexed by family name and kept
 * current with every commit of this process (never re-read per push), and the Pushgateway's own families.
 * Locally one process commits everything, so the view is exact. In AWS each Lambda instance loads it at its cold
 * start and then sees only its own commits: a push that conflicts with another instance's later commit passes here,
 * and the replicas' own consistency check refuses it. When every replica refuses it, the handler reverts its record
 * and answers that 400 (nothing applied). When one took it (it had not got the earlier commit yet), the handler
 * replays the store (acknowledged records first, then commit order: domain/group-conflicts.ts) and refreshes this
 * view from it: if its record loses it is reverted too and the push answered the replica's 400; if it wins, the
 * losers still in flight are condemned before it is acknowledged, and the repair brings the replicas level
 * (conflict-settlement.ts, `settleConflict`).
 */
export class GroupView {
  readonly index = new GroupIndex();
  /** The record version each group's state was shown from, where known (a tombstone's too). */
  private readonly versions = new Map<string, number>();
  private own: ReadonlyMap<string, MetricType> | undefined;
  /**
   * Groups a storage-stage refusal left on the replicas (the Pushgateway creates the group it refused, with a
   * failure time: refusal-recorder.ts) that no record holds, by the label set their series carry. A later push to
   * their counterpart (`{job="p"}` beside `{job="p",instance=""}`) would put both on every replica, which makes the
   * replicas' /metrics fail; `collidingTrace` lets the handler refuse it. Kept for this process's life (in AWS, an
   * instance's): what another instance left is not known here.
   */
  private readonly traces = new Map<string, string>();
  /** The label set each trace was noted under, by group id (a commit of the group ends it). */
  private readonly traceLabelSets = new Map<string, string>();

  /** Indexes every live record of the store (at start-up). */
  static async load(store: GroupStore): Promise<GroupView> {
    const view = new GroupView();
    for (const entry of await store.all()) view.show(entry.record);
    return view;
  }

  /** Makes the index hold `record` (a tombstone removes the group). */
  show(record: GroupRecord | undefined, id = record?.id): void {
    if (id === undefined) return;
    this.showState(id, record ? recordState(record) : undefined, record?.version);
  }

  /**
   * Makes the index hold what `records` (every record of the store, read just now) say, except for the groups
   * `keep` names (commits of this process in flight, which the read may predate): the groups another instance
   * committed appear, and those it deleted or the repair cut back or collected go. The rare path only (a replica
   * refused a record): it parses every record.
   */
  refresh(records: readonly GroupRecord[], keep: (id: string) => boolean): void {
    const stored = new Set<string>();
    for (const record of records) {
      stored.add(record.id);
      if (!keep(record.id)) this.show(record);
    }
    for (const id of [...this.index.ids()]) if (!stored.has(id) && !keep(id)) this.index.delete(id);
  }

  /** Makes the index hold `state` for group `id` (undefined removes it), the state of record `version` if known. */
  showState(id: string, state: GroupState | undefined, version?: number): void {
    // A group committed (pushed, or deleted on the replicas) is no longer a trace: the index speaks for it.
    const trace = this.traceLabelSets.get(id);
    if (trace !== undefined) {
      this.traceLabelSets.delete(id);
      if (this.traces.get(trace) === id) this.traces.delete(trace);
    }
    if (state) this.index.set(id, [state]);
    else this.index.delete(id);
    if (version === undefined) this.versions.delete(id);
    else this.versions.set(id, version);
  }

  /** Notes that a refusal left group `id` (of `key`) on the replicas, unless a record of it is shown. */
  noteTrace(key: GroupingKey, id: string): void {
    if (this.current(id) !== undefined) return;
    const labelSet = groupLabelSetId(key);
    this.traces.set(labelSet, id);
    this.traceLabelSets.set(id, labelSet);
  }

  /** A trace group (see `noteTrace`) other than `id` whose series would carry the same labels as `key`'s. */
  collidingTrace(key: GroupingKey, id: string): string | undefined {
    const other = this.traces.get(groupLabelSetId(key));
    return other === undefined || other === id ? undefined : other;
  }

  /** The record version the group's state was shown from (undefined: not known). */
  versionShown(id: string): number | undefined {
    return this.versions.get(id);
  }

  /** The label names of every group's key (series-crossings.ts `keyNamesOf`). */
  keyNames(): Set<string> {
    const names = new Set<string>();
    for (const id of this.index.ids()) {
      const state = this.current(id);
      if (state) names.add(keyNamesOf(state.key));
    }
    return names;
  }

  /** The group as the index holds it. */
  current(id: string): GroupState | undefined {
    return this.index.versions(id)[0];
  }

  /** The Pushgateway's own families if already read. */
  knownOwnFamilies(): ReadonlyMap<string, MetricType> | undefined {
    return this.own;
  }

  /** Types of the Pushgateway's own families, from the first replica that answers (read once). */
  async ownFamilies(
    replicas: readonly PushgatewayReplica[],
    failures: string[] = [],
  ): Promise<ReadonlyMap<string, MetricType> | undefined> {
    if (this.own) return this.own;
    for (const replica of replicas) {
      try {
        this.own = await replica.ownFamilies();
        return this.own;
      } catch (error) {
        // Kept for the caller's message; the next replica is tried.
        failures.push((error as Error).message);
      }
    }
    return undefined;
  }
}
