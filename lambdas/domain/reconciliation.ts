import { type GroupingKey, groupingKeyId } from './grouping-key';

/**
 * What the replicas hold is never copied between them: they are caches of the store's records (see
 * `group-sync.ts`). Once only, when a store is first used in front of replicas that already hold groups, their
 * groups become records: of the copies of a group, the one pushed last (`push_time_seconds`).
 */
export interface ReplicaCopy {
  readonly key: GroupingKey;
  readonly pushTimeSeconds: number;
}

/** One copy per group: the newest across the replicas' listings (the first listed on a tie). */
export function newestCopies<T extends ReplicaCopy>(listings: readonly (readonly T[])[]): T[] {
  const newest = new Map<string, T>();
  for (const listing of listings) {
    for (const copy of listing) {
      const id = groupingKeyId(copy.key);
      const known = newest.get(id);
      if (!known || copy.pushTimeSeconds > known.pushTimeSeconds) newest.set(id, copy);
    }
  }
  return [...newest.values()];
}

/** JSON with object keys sorted, so equal content gives equal text (copies compared across replicas). */
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
