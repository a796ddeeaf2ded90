import type { GroupStore } from '../../adapters/group-store';
import { introducedMarks } from '../../domain/conflict-marks';
import { keyNamesOf } from '../../domain/grouping-key';
import { registerKeyNames } from '../push-ingest/crossing-lookup';

/**
 * Set once every record the store held before marks existed has had its marks made, and its key's names registered
 * (series-crossings.ts; `/v2`: stores seeded before the registry existed are seeded again, which makes only what is
 * missing).
 */
export const MARKS_SEEDED = 'marks/seeded/v2';

/** No own families here: marking them too is harmless (pushes never look at them). */
const NO_OWN_FAMILIES = new Map();

/**
 * Makes the marks of every record in the store that are missing (conflict-marks.ts): the look the records committed
 * before marks existed (or imported from the replicas by `bootstrapStore`) never took. Run once per store by the
 * repair; a push looking meanwhile is ordered with each creation by the store as any other look. Two records giving
 * one mark two values (a conflict the repair settles anyway) leave the first found: a mark is only what makes a push
 * bringing another value settle, never a verdict. Registers the key names of the live records as well. Resolves with
 * the marks created.
 */
export async function seedMarks(store: GroupStore): Promise<number> {
  const values = new Map<string, string>();
  const keyNames = new Set<string>();
  for (const entry of await store.all()) {
    if (!entry.record.deleted) keyNames.add(keyNamesOf(entry.record.key));
    for (const [name, value] of introducedMarks(entry.record, undefined, NO_OWN_FAMILIES)) {
      if (!values.has(name)) values.set(name, value);
    }
  }
  if (!(await registerKeyNames(store, keyNames))) throw new Error('the registry of grouping-key names kept changing');
  const found = await store.getMarks([...values.keys()]);
  let created = 0;
  for (const [name, value] of values) {
    if (found.has(name)) continue;
    if (await store.putMark(name, { value, epoch: 1, pending: false }, undefined)) created++;
  }
  await store.putMeta(MARKS_SEEDED, new Date().toISOString());
  return created;
}
