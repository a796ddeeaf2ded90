import { canonicalJson, planReconciliation } from '../../../lambdas/domain/reconciliation';

const g = (id: string, pushTimeSeconds: number, fingerprint: string) => ({ id, pushTimeSeconds, fingerprint });

describe('planReconciliation', () => {
  it('copies a group a replica lacks from the replica holding it', () => {
    expect(
      planReconciliation([
        { replica: 'r0', groups: [g('job=a', 10, 'A')] },
        { replica: 'r1', groups: [] },
      ]),
    ).toEqual([{ groupId: 'job=a', source: 'r0', target: 'r1', sourcePushTimeSeconds: 10 }]);
  });

  it('copies the newest version where contents differ, and nothing where they are equal', () => {
    expect(
      planReconciliation([
        { replica: 'r0', groups: [g('a', 10, 'old'), g('b', 5, 'same')] },
        { replica: 'r1', groups: [g('a', 20, 'new'), g('b', 9, 'same')] },
      ]),
    ).toEqual([{ groupId: 'a', source: 'r1', target: 'r0', sourcePushTimeSeconds: 20 }]);
  });

  it('never re-creates a group deleted recently', () => {
    expect(
      planReconciliation(
        [
          { replica: 'r0', groups: [g('a', 10, 'A')] },
          { replica: 'r1', groups: [] },
        ],
        new Set(['a']),
      ),
    ).toEqual([]);
  });
});

describe('canonicalJson', () => {
  it('is independent of key order and drops undefined', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: undefined, a: 'x' }], a: null })).toBe(
      '{"a":null,"b":[1,{"a":"x","d":2}]}',
    );
  });
});
