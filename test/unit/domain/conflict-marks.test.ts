import {
  familyMarkName,
  finishedMark,
  introducedMarks,
  keyMarkName,
  type Mark,
  markAccountedFor,
  markStep,
} from '../../../lambdas/domain/conflict-marks';
import type { MetricType } from '../../../lambdas/domain/exposition/parser';
import type { GroupRecord, StoredFamily } from '../../../lambdas/domain/group-record';

function family(name: string, type: MetricType): StoredFamily {
  return { name, type, sampleCount: 1, text: `# TYPE ${name} ${type}\n${name} 1\n` };
}

function record(version: number, families: readonly StoredFamily[], deleted = false): GroupRecord {
  return { id: 'job="a"', key: { job: 'a' }, version, deleted, families };
}

const OWN = new Map<string, MetricType>([['go_goroutines', 'gauge']]);

describe('introducedMarks', () => {
  const KEY = keyMarkName({ job: 'a' });
  const f = familyMarkName;

  it('names the key and every family of a new group, except the Pushgateway meta families and its own', () => {
    const next = record(1, [
      family('shared', 'gauge'),
      family('push_time_seconds', 'gauge'),
      family('go_goroutines', 'gauge'),
      family('jobs_total', 'counter'),
    ]);
    expect(introducedMarks(next, undefined, OWN)).toEqual(
      new Map([
        [KEY, 'job="a"'],
        [f('shared'), 'gauge'],
        [f('jobs_total'), 'counter'],
      ]),
    );
  });

  it('names only families the version it was built on did not hold with that type, and not the key', () => {
    const before = record(1, [family('shared', 'gauge'), family('kept', 'counter')]);
    const next = record(2, [family('shared', 'counter'), family('kept', 'counter'), family('added', 'summary')]);
    expect(introducedMarks(next, before, OWN)).toEqual(
      new Map([
        [f('shared'), 'counter'],
        [f('added'), 'summary'],
      ]),
    );
    // The same families pushed again (the common push) introduce nothing: no store call.
    expect(introducedMarks(record(3, next.families), next, OWN).size).toBe(0);
  });

  it('names everything again after a tombstone, and nothing for a DELETE', () => {
    const tombstone = record(2, [], true);
    expect([...introducedMarks(record(3, [family('shared', 'gauge')]), tombstone, OWN).keys()]).toEqual([
      KEY,
      f('shared'),
    ]);
    expect(introducedMarks(tombstone, record(1, [family('shared', 'gauge')]), OWN).size).toBe(0);
  });

  it('gives a key without instance and the same key with instance="" one key mark, kinds never sharing a name', () => {
    expect(keyMarkName({ job: 'p' })).toBe(keyMarkName({ job: 'p', instance: '' }));
    expect(keyMarkName({ job: 'p' })).not.toBe(keyMarkName({ job: 'p', instance: 'x' }));
    expect(keyMarkName({ job: 'p' }).startsWith('k:')).toBe(true);
    expect(familyMarkName('k:x')).not.toBe(keyMarkName({ job: 'p' }));
    expect(familyMarkName('x').startsWith('f:')).toBe(true);
  });
});

describe('markStep and finishedMark', () => {
  const settled: Mark = { value: 'gauge', epoch: 4, pending: false };

  it('creates a missing mark settled, and leaves a settled mark of the same type alone', () => {
    expect(markStep('counter', undefined)).toEqual({
      kind: 'create',
      mark: { value: 'counter', epoch: 1, pending: false },
    });
    expect(markStep('gauge', settled)).toEqual({ kind: 'agrees' });
  });

  it('claims a mark of another type, or one pending even of the same type, over its epoch', () => {
    expect(markStep('counter', settled)).toEqual({
      kind: 'claim',
      mark: { value: 'counter', epoch: 5, pending: true },
      found: settled,
    });
    const pending: Mark = { value: 'gauge', epoch: 9, pending: true };
    expect(markStep('gauge', pending)).toEqual({
      kind: 'claim',
      mark: { value: 'gauge', epoch: 10, pending: true },
      found: pending,
    });
  });

  it('finishes a claim as its type settled when acknowledged, else as found (pending kept), with a new epoch', () => {
    const claim: Mark = { value: 'counter', epoch: 5, pending: true };
    expect(finishedMark(claim, settled, true)).toEqual({ value: 'counter', epoch: 6, pending: false });
    expect(finishedMark(claim, settled, false)).toEqual({ value: 'gauge', epoch: 6, pending: false });
    const pendingFound: Mark = { value: 'summary', epoch: 4, pending: true };
    expect(finishedMark(claim, pendingFound, false)).toEqual({ value: 'summary', epoch: 6, pending: true });
  });
});

describe('markAccountedFor', () => {
  const gauge = record(1, [family('shared', 'gauge')]);
  const other: GroupRecord = { ...record(1, [family('x', 'counter')]), id: 'job="b"', key: { job: 'b' } };

  it('finds a family mark held by a live record with that type, and nothing in a tombstone or another type', () => {
    expect(markAccountedFor(familyMarkName('shared'), 'gauge', [other, gauge])).toBe(true);
    expect(markAccountedFor(familyMarkName('shared'), 'counter', [other, gauge])).toBe(false);
    expect(
      markAccountedFor(familyMarkName('shared'), 'gauge', [other, { ...gauge, deleted: true, families: [] }]),
    ).toBe(false);
    expect(markAccountedFor(familyMarkName('x'), 'counter', [other])).toBe(true);
  });

  it('finds a key mark when the group it names is live', () => {
    expect(markAccountedFor(keyMarkName({ job: 'a' }), 'job="a"', [gauge])).toBe(true);
    expect(markAccountedFor(keyMarkName({ job: 'a' }), 'job="a"', [{ ...gauge, deleted: true }])).toBe(false);
    expect(markAccountedFor(keyMarkName({ job: 'a' }), 'job="a"', [other])).toBe(false);
  });
});
