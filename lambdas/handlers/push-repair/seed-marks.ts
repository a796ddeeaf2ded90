import type { GroupStore } from '../../adapters/group-store';
import { introducedMarks } from '../../domain/conflict-marks';

/** Set once every record the store held before marks existed has had its marks made. */
export const MARKS_SEEDED = 'marks/seeded';

/** No own families here: marking them too is harmless (pushes never look at them). */
const NO_OWN_FAMILIES = new Map();

/**
 * Makes the marks of every record in the store that are missing (conflict-marks.ts): the look the records committed
 * before marks existed (or imported from the replicas by `bootstrapStore`) never took. Run once per store by the
 * repair; a push looking meanwhile is ordered with each creation by the store as any other look. Two records giving
 * one mark two values (a conflict the repair settles anyway) leave the first found: a mark is only what makes a push
 * bringing another value settle, never a verdict. Resolves with the marks created.
 */
export async function seedMarks(store: GroupStore): Promise<number> {
  const values = new Map<string, string>();
  for (const entry of await store.all()) {
    for (const [name, value] of introducedMarks(entry.record, undefined, NO_OWN_FAMILIES)) {
      if (!values.has(name)) values.set(name, value);
    }
  }
  const found = await store.getMarks([...values.keys()]);
  let created = 0;
  for (const [name, value] of values) {
    if (found.has(name)) continue;
    if (await store.putMark(name, { value, epoch: 1, pending: false }, undefined)) created++;
  }
  await store.putMeta(MARKS_SEEDED, new Date().toISOString());
  return created;
}
