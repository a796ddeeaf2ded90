import { commitEntry, type GroupEntry } from '../../../lambdas/domain/group-sync';
import { SettledEntries } from '../../../lambdas/handlers/push-ingest/settled-entries';

const entry = (job: string, version = 1): GroupEntry =>
  commitEntry(undefined, { id: `job="${job}"`, key: { job }, version, deleted: false, families: [] }, 'w', 0, {
    leaseMs: 5000,
    writerExpiryMs: 60_000,
  }).entry;

describe('SettledEntries', () => {
  it('hands an entry out once, the latest remembered for its group', () => {
    const entries = new SettledEntries();
    entries.remember(entry('a', 1));
    entries.remember(entry('a', 2));
    expect(entries.take('job="a"')?.record.version).toBe(2);
    expect(entries.take('job="a"')).toBeUndefined();
  });

  it('forgets the groups remembered longest ago past its bound, a group remembered again counting as new', () => {
    const entries = new SettledEntries(3);
    for (const job of ['a', 'b', 'c']) entries.remember(entry(job));
    entries.remember(entry('a', 2));
    entries.remember(entry('d'));
    expect(entries.size()).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((job) => entries.take(`job="${job}"`)?.record.version)).toEqual([
      2,
      undefined,
      1,
      1,
    ]);
  });
});
