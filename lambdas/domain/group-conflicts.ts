import { type MetricType, parseExposition } from './exposition/parser';
import { GroupIndex } from './group-index';
import { type GroupRecord, recordExposition, type StoredFamily } from './group-record';
import { validateConsistency } from './push-validation';
import { type GroupState, pushedFamilies } from './pushgateway-semantics';

/**
 * Records that cannot all be held by one Pushgateway. Each ingestion instance validates a push against the groups
 * it has seen (in AWS: those in the store when it started, plus its own commits), so two instances can commit
 * records that conflict across groups (one family name with two types, one series in two groups, `{job="p"}` beside
 * `{job="p",instance=""}`). A replica holding one of them refuses the other, and each replica ends up refusing
 * whichever it got second: they stay different whatever the repair writes.
 *
 * The store settles it the way one Pushgateway applying the records in order would have: the records are replayed
 * through the Pushgateway's consistency check (those whose pushes were acknowledged first, then commit order), and
 * a record the check refuses keeps only the families it accepts (the whole group goes when none is left, or when its
 * key collides with an earlier group's). The earlier one wins; the later one loses exactly what a single Pushgateway
 * would have refused of it.
 */
export interface ConflictResolution {
  readonly id: string;
  /** The version the resolution was computed on (applied only if the record is still at it). */
  readonly version: number;
  /** The families the record keeps; empty: the group goes (a tombstone). */
  readonly kept: readonly StoredFamily[];
  /** Names of the families it loses. */
  readonly dropped: readonly string[];
  /** Why, as the Pushgateway would say it for the whole record. */
  readonly reason: string;
}

/** Commit order: by commit time (records without one first, as the oldest), then by group id. */
export function byCommit(a: GroupRecord, b: GroupRecord): number {
  const at = (a.committedAt ?? 0) - (b.committedAt ?? 0);
  if (at !== 0) return at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The record's families as the consistency check sees them (undefined for a tombstone). */
export function recordState(record: GroupRecord): GroupState | undefined {
  if (record.deleted) return undefined;
  const parsed = parseExposition(recordExposition(record));
  if (!parsed.ok) throw new Error(`group ${record.id}: stored exposition does not parse: ${parsed.error.message}`);
  return { key: record.key, families: pushedFamilies(parsed.families, record.key) };
}

/**
 * The records (any order; tombstones ignored) replayed in commit order through the consistency check, given the
 * Pushgateway's own family types: what each conflicting record must become. Empty when the records are consistent.
 *
 * With `acknowledged`, the records whose pushes were acknowledged go first (in commit order), then the others: an
 * acknowledged record loses only to another acknowledged one (which the acknowledgement protocol makes rare, see
 * conflict-settlement.ts `settleConflict`), never to a push still in flight or one never answered 2xx, whatever the clocks say.
 */
export function resolveConflicts(
  records: readonly GroupRecord[],
  ownFamilies: ReadonlyMap<string, MetricType>,
  acknowledged: (record: GroupRecord) => boolean = () => true,
): ConflictResolution[] {
  const index = new GroupIndex();
  const resolutions: ConflictResolution[] = [];
  const live = records.filter((r) => !r.deleted);
  const order = [...live.filter(acknowledged).sort(byCommit), ...live.filter((r) => !acknowledged(r)).sort(byCommit)];
  for (const record of order) {
    const state = recordState(record);
    if (!state) continue;
    const check = (families: GroupState['families']) =>
      validateConsistency({ method: 'PUT', key: record.key, pushed: families, groups: index, ownFamilies });
    const colliding = index.collidingGroup(record.key);
    const whole = colliding === undefined ? check(state.families) : undefined;
    if (whole?.ok) {
      index.set(record.id, [state]);
      continue;
    }
    // Family by family: each against the earlier records (a record holds each name once, so none conflicts with
    // another of the same record). A family without series (a protobuf family without metrics) conflicts with none.
    const droppedNames = new Set<string>();
    for (const family of state.families) {
      if (colliding !== undefined || !check([family]).ok) droppedNames.add(family.name);
    }
    const kept = record.families.filter((f) => !droppedNames.has(f.name) && colliding === undefined);
    const keptFamilies = state.families.filter((f) => !droppedNames.has(f.name));
    if (kept.length > 0) index.set(record.id, [{ key: record.key, families: keptFamilies }]);
    resolutions.push({
      id: record.id,
      version: record.version,
      kept,
      dropped: record.families.filter((f) => !kept.includes(f)).map((f) => f.name),
      reason:
        colliding !== undefined
          ? `group {${record.id}} would expose the same push_time_seconds series as group {${colliding}}`
          : whole && !whole.ok
            ? whole.message
            : 'inconsistent',
    });
  }
  return resolutions;
}

/** The record after `resolution`: the next version, holding what it keeps, or a tombstone when nothing is left. */
export function resolvedRecord(record: GroupRecord, resolution: ConflictResolution): GroupRecord {
  const version = record.version + 1;
  if (resolution.kept.length === 0) return { ...record, version, deleted: true, families: [] };
  return { ...record, version, families: resolution.kept };
}
