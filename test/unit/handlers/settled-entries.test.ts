import { commitEntry, type GroupEntry } from '../../../lambdas/domain/group-sync';
import { SettledEntries } from '../../../lambdas/handlers/push-ingest/settled-entries';

const entry = (job: string, version = 1, samples = 1): GroupEntry =>
  commitEntry(
    undefined,
    {
      id: `job="${job}"`,
      key: { job },
      version,
      deleted: false,
      families: [{ name: 'x', type: 'untyped', sampleCount: samples, text: 'x 1\n' }],
    },
    'w',
    0,
    { leaseMs: 5000, writerExpiryMs: 60_000 },
  ).entry;

describe('SettledEntries', () => {
  it('hands an entry out once, the latest remembered for its group', () => {
    const entries = new SettledEntries();
    entries.remember(entry('a', 1));
    entries.remember(entry('a', 2));
    expect(entries.take('job="a"')?.record.version).toBe(2);
    expect(entries.take('job="a"')).toBeUndefined();
  });

  it('forgets the groups remembered longest ago past its bound, a group remembered again counting as new', () => {
    const entries = new SettledEntries({ groups: 3, samples: 100 });
    for (const job of ['a', 'b', 'c']) entries.remember(entry(job));
    entries.remember(entry('a', 2));
    entries.remember(entry('d'));
    expect(entries.size()).toEqual({ groups: 3, samples: 3 });
    expect(['a', 'b', 'c', 'd'].map((job) => entries.take(`job="${job}"`)?.record.version)).toEqual([
      2,
      undefined,
      1,
      1,
    ]);
  });

  it('holds at most its samples in all, forgetting the oldest groups first, and never a group larger than that', () => {
    const entries = new SettledEntries({ groups: 10, samples: 100 });
    entries.remember(entry('a', 1, 40));
    entries.remember(entry('b', 1, 40));
    entries.remember(entry('c', 1, 30));
    expect(entries.size()).toEqual({ groups: 2, samples: 70 });
    expect(entries.take('job="a"')).toBeUndefined();
    entries.remember(entry('huge', 1, 101));
    expect(entries.take('job="huge"')).toBeUndefined();
    expect(entries.size()).toEqual({ groups: 2, samples: 70 });
    expect(entries.take('job="b"')?.record.version).toBe(1);
    expect(entries.size()).toEqual({ groups: 1, samples: 30 });
  });
});
