import type { MetricType } from '../../../lambdas/domain/exposition/parser';
import { type FamilyMark, finishedMark, introducedFamilies, markStep } from '../../../lambdas/domain/family-marks';
import type { GroupRecord, StoredFamily } from '../../../lambdas/domain/group-record';

function family(name: string, type: MetricType): StoredFamily {
  return { name, type, sampleCount: 1, text: `# TYPE ${name} ${type}\n${name} 1\n` };
}

function record(version: number, families: readonly StoredFamily[], deleted = false): GroupRecord {
  return { id: 'job="a"', key: { job: 'a' }, version, deleted, families };
}

const OWN = new Map<string, MetricType>([['go_goroutines', 'gauge']]);

describe('introducedFamilies', () => {
  it('names every family of a new group, except the Pushgateway meta families and its own', () => {
    const next = record(1, [
      family('shared', 'gauge'),
      family('push_time_seconds', 'gauge'),
      family('go_goroutines', 'gauge'),
      family('jobs_total', 'counter'),
    ]);
    expect(introducedFamilies(next, undefined, OWN)).toEqual(
      new Map([
        ['shared', 'gauge'],
        ['jobs_total', 'counter'],
      ]),
    );
  });

  it('names only what the version it was built on did not hold with that type', () => {
    const before = record(1, [family('shared', 'gauge'), family('kept', 'counter')]);
    const next = record(2, [family('shared', 'counter'), family('kept', 'counter'), family('added', 'summary')]);
    expect(introducedFamilies(next, before, OWN)).toEqual(
      new Map<string, MetricType>([
        ['shared', 'counter'],
        ['added', 'summary'],
      ]),
    );
    // The same families pushed again (the common push) introduce nothing: no store call.
    expect(introducedFamilies(record(3, next.families), next, OWN).size).toBe(0);
  });

  it('names everything again after a tombstone, and nothing for a DELETE', () => {
    const tombstone = record(2, [], true);
    expect([...introducedFamilies(record(3, [family('shared', 'gauge')]), tombstone, OWN).keys()]).toEqual(['shared']);
    expect(introducedFamilies(tombstone, record(1, [family('shared', 'gauge')]), OWN).size).toBe(0);
  });
});

describe('markStep and finishedMark', () => {
  const settled: FamilyMark = { type: 'gauge', epoch: 4, pending: false };

  it('creates a missing mark settled, and leaves a settled mark of the same type alone', () => {
    expect(markStep('counter', undefined)).toEqual({
      kind: 'create',
      mark: { type: 'counter', epoch: 1, pending: false },
    });
    expect(markStep('gauge', settled)).toEqual({ kind: 'agrees' });
  });

  it('claims a mark of another type, or one pending even of the same type, over its epoch', () => {
    expect(markStep('counter', settled)).toEqual({
      kind: 'claim',
      mark: { type: 'counter', epoch: 5, pending: true },
      found: settled,
    });
    const pending: FamilyMark = { type: 'gauge', epoch: 9, pending: true };
    expect(markStep('gauge', pending)).toEqual({
      kind: 'claim',
      mark: { type: 'gauge', epoch: 10, pending: true },
      found: pending,
    });
  });

  it('finishes a claim as its type settled when acknowledged, else as found (pending kept), with a new epoch', () => {
    const claim: FamilyMark = { type: 'counter', epoch: 5, pending: true };
    expect(finishedMark(claim, settled, true)).toEqual({ type: 'counter', epoch: 6, pending: false });
    expect(finishedMark(claim, settled, false)).toEqual({ type: 'gauge', epoch: 6, pending: false });
    const pendingFound: FamilyMark = { type: 'summary', epoch: 4, pending: true };
    expect(finishedMark(claim, pendingFound, false)).toEqual({ type: 'summary', epoch: 6, pending: true });
  });
});
