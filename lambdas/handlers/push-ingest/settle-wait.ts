import type { GroupStore } from '../../adapters/group-store';
import { type GroupEntry, isUnsettled } from '../../domain/group-sync';

/** Longest pause between two reads of a group being waited on. */
const POLL_MAX_MS = 25;

/**
 * The group's entry once its version is settled (group-sync.ts `isUnsettled`: acknowledged, condemned, or no push
 * writing it any more), read again after each pause (1 ms, doubling to 25 ms); `settled` false when `deadline`
 * (`performance.now()` time) came first, with the entry as last read. `read`: the entry the caller has just read
 * itself, taken as the first read.
 */
export async function untilSettled(
  store: GroupStore,
  id: string,
  deadline: number,
  read?: { readonly entry: GroupEntry | undefined },
): Promise<{ readonly entry: GroupEntry | undefined; readonly settled: boolean }> {
  let entry = read ? read.entry : await store.get(id);
  for (let pause = 1; entry && isUnsettled(entry); pause = Math.min(pause * 2, POLL_MAX_MS)) {
    if (performance.now() >= deadline) return { entry, settled: false };
    await new Promise((resolve) => setTimeout(resolve, pause));
    entry = await store.get(id);
  }
  return { entry, settled: true };
}
