/**
 * State-based reconciliation of Pushgateway replicas, the second half of the repair (the first replays the
 * journal of missed pushes). It covers what no journal can: a replica that restarted empty, or was written to
 * directly. For each group, the replica holding the newest `push_time_seconds` is the source; every replica that
 * lacks the group or holds other content gets the source's copy. Groups deleted recently are never re-created.
 */

export interface ReplicaGroupView {
  /** `groupingKeyId` of the group. */
  readonly id: string;
  readonly pushTimeSeconds: number;
  /** Canonical content (families, without push-time metadata); equal fingerprints = identical groups. */
  readonly fingerprint: string;
}

export interface ReplicaView {
  readonly replica: string;
  readonly groups: readonly ReplicaGroupView[];
}

export interface ReconcileAction {
  readonly groupId: string;
  readonly source: string;
  readonly target: string;
  readonly sourcePushTimeSeconds: number;
}

/** The copies that make every replica hold the newest version of every group (pure; see the module comment). */
export function planReconciliation(
  views: readonly ReplicaView[],
  recentlyDeleted: ReadonlySet<string> = new Set(),
): ReconcileAction[] {
  const byReplica = views.map((v) => ({ replica: v.replica, groups: new Map(v.groups.map((g) => [g.id, g])) }));
  const ids = new Set(views.flatMap((v) => v.groups.map((g) => g.id)));
  const actions: ReconcileAction[] = [];
  for (const id of [...ids].sort()) {
    if (recentlyDeleted.has(id)) continue;
    let source: { replica: string; group: ReplicaGroupView } | undefined;
    for (const { replica, groups } of byReplica) {
      const group = groups.get(id);
      if (group && (!source || group.pushTimeSeconds > source.group.pushTimeSeconds)) source = { replica, group };
    }
    if (!source) continue;
    for (const { replica, groups } of byReplica) {
      if (replica === source.replica) continue;
      const group = groups.get(id);
      if (!group || group.fingerprint !== source.group.fingerprint) {
        actions.push({
          groupId: id,
          source: source.replica,
          target: replica,
          sourcePushTimeSeconds: source.group.pushTimeSeconds,
        });
      }
    }
  }
  return actions;
}

/** JSON with object keys sorted, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
