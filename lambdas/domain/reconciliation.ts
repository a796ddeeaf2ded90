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
