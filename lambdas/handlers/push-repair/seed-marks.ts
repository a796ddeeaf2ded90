import type { GroupStore } from '../../adapters/group-store';
import type { MetricType } from '../../domain/exposition/parser';
import { isGroupMetaFamily } from '../../domain/pushgateway-semantics';

/** Set once every record the store held before family marks existed has had its families marked. */
export const MARKS_SEEDED = 'marks/seeded';

/**
 * Marks the families of every record in the store that has none yet (family-marks.ts): the look at the marks the
 * records committed before marks existed (or imported from the replicas by `bootstrapStore`) never took. Run once
 * per store by the repair; a push looking meanwhile is ordered with each creation by the store as any other look.
 * Two records giving a name two types (a conflict the repair settles anyway) leave the first type found: a mark is
 * only what makes a push of another type settle, never a verdict. Resolves with the marks created.
 */
export async function seedFamilyMarks(store: GroupStore): Promise<number> {
  const types = new Map<string, MetricType>();
  for (const entry of await store.all()) {
    if (entry.record.deleted) continue;
    for (const family of entry.record.families) {
      if (!isGroupMetaFamily(family.name) && !types.has(family.name)) types.set(family.name, family.type);
    }
  }
  const found = await store.getMarks([...types.keys()]);
  let created = 0;
  for (const [name, type] of types) {
    if (found.has(name)) continue;
    if (await store.putMark(name, { type, epoch: 1, pending: false }, undefined)) created++;
  }
  await store.putMeta(MARKS_SEEDED, new Date().toISOString());
  return created;
}
