import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileGroupStore } from '../../../lambdas/adapters/group-store';
import { familyMarkName, keyMarkName } from '../../../lambdas/domain/conflict-marks';
import type { MetricType } from '../../../lambdas/domain/exposition/parser';
import type { StoredFamily } from '../../../lambdas/domain/group-record';
import { commitEntry, needsRepair } from '../../../lambdas/domain/group-sync';
import { groupingKeyId } from '../../../lambdas/domain/grouping-key';
import { KEY_NAMES_MARK, registeredKeyNames } from '../../../lambdas/domain/series-crossings';
import { MARKS_SEEDED, seedMarks } from '../../../lambdas/handlers/push-repair/seed-marks';

const f = familyMarkName;

const timing = { leaseMs: 5000, writerExpiryMs: 60_000 };

function family(name: string, type: MetricType): StoredFamily {
  return { name, type, sampleCount: 1, text: `# TYPE ${name} ${type}\n${name} 1\n` };
}

describe('seedMarks (records stored before family marks existed)', () => {
  let dir: string;
  let store: FileGroupStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-seed-marks-'));
    store = new FileGroupStore(path.join(dir, 'store.jsonl'), (e) => needsRepair(e, ['pushgateway-0']));
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function legacy(job: string, families: StoredFamily[], deleted = false): Promise<void> {
    const key = { job };
    const record = { id: groupingKeyId(key), key, version: 1, deleted, families };
    expect(await store.put(commitEntry(undefined, record, 'w', 0, timing).entry, undefined)).toBe(true);
  }

  it('marks each key and family of the live records once, leaves existing marks and tombstones alone, and says it is done', async () => {
    await legacy('a', [family('shared', 'gauge'), family('push_time_seconds', 'gauge'), family('a_total', 'counter')]);
    await legacy('b', [family('shared', 'counter'), family('b_info', 'untyped')]);
    await legacy('gone', [family('gone_only', 'summary')], true);
    expect(await store.putMark(f('b_info'), { value: 'gauge', epoch: 3, pending: true }, undefined)).toBe(true);
    expect(await store.putMark(KEY_NAMES_MARK, { value: 'instance,job', epoch: 1, pending: false }, undefined)).toBe(
      true,
    );

    // Two keys and two families (b_info was marked already; `gone` is a tombstone).
    expect(await seedMarks(store)).toBe(4);
    const marks = await store.getMarks([
      keyMarkName({ job: 'a' }),
      keyMarkName({ job: 'b' }),
      keyMarkName({ job: 'gone' }),
      f('shared'),
      f('a_total'),
      f('b_info'),
      f('push_time_seconds'),
      f('gone_only'),
    ]);
    expect(marks).toEqual(
      new Map([
        [keyMarkName({ job: 'a' }), { value: 'job="a"', epoch: 1, pending: false }],
        [keyMarkName({ job: 'b' }), { value: 'job="b"', epoch: 1, pending: false }],
        // The first record's type: `b` contradicts it, a conflict the repair settles (the mark only makes pushes of
        // another type settle).
        [f('shared'), { value: 'gauge', epoch: 1, pending: false }],
        [f('a_total'), { value: 'counter', epoch: 1, pending: false }],
        [f('b_info'), { value: 'gauge', epoch: 3, pending: true }],
      ]),
    );
    // The key names of the live records join the registry (series-crossings.ts), beside those registered already.
    expect(registeredKeyNames((await store.getMarks([KEY_NAMES_MARK])).get(KEY_NAMES_MARK))).toEqual([
      'instance,job',
      'job',
    ]);
    expect(await store.getMeta(MARKS_SEEDED)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await seedMarks(store)).toBe(0);
  });
});
