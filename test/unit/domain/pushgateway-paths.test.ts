import { GroupIndex } from '../../../lambdas/domain/group-index';
import { cleanRequestPath, groupLabelSetId } from '../../../lambdas/domain/pushgateway-semantics';
import { newestCopies } from '../../../lambdas/domain/reconciliation';

describe('paths the Pushgateway redirects', () => {
  // Location headers prometheus-pushgateway 1.5.1 answered with (301), recorded with curl --path-as-is.
  it.each([
    ['/metrics/job/x/a/..', '/metrics/job/x'],
    ['/metrics/job/x/a/.', '/metrics/job/x/a'],
    ['/metrics/job/x/../y', '/metrics/job/y'],
    ['/metrics/job/x/./a/b', '/metrics/job/x/a/b'],
    ['/metrics/job/../x', '/metrics/x'],
    ['/metrics/job/x/a/b/..', '/metrics/job/x/a'],
    ['/metrics/job/x//a/b', '/metrics/job/x/a/b'],
  ])('%s → %s', (p, cleaned) => {
    expect(cleanRequestPath(p)).toBe(cleaned);
  });

  it('leaves clean paths alone, trailing slash included (the Pushgateway answers those itself)', () => {
    for (const p of ['/metrics/job/x', '/metrics/job/x/a/b/', '/metrics/job@base64/Li4'])
      expect(cleanRequestPath(p)).toBe(p);
  });
});

describe("groups' own series", () => {
  it('gives {job="p"} and {job="p",instance=""} the same label set, and nothing else', () => {
    expect(groupLabelSetId({ job: 'p' })).toBe(groupLabelSetId({ job: 'p', instance: '' }));
    expect(groupLabelSetId({ job: 'p' })).not.toBe(groupLabelSetId({ job: 'p', foo: '' }));
  });

  it('finds the group a new key would collide with, not the group itself', () => {
    const index = GroupIndex.of([{ key: { job: 'p' }, families: [] }]);
    expect(index.collidingGroup({ job: 'p', instance: '' })).toBe('job="p"');
    expect(index.collidingGroup({ job: 'p' })).toBeUndefined();
    index.delete('job="p"');
    expect(index.collidingGroup({ job: 'p', instance: '' })).toBeUndefined();
  });

  it('imports the newest copy of each group once, when a store starts in front of replicas holding groups', () => {
    const copies = newestCopies([
      [{ key: { job: 'a' }, pushTimeSeconds: 2, from: 0 }],
      [
        { key: { job: 'a' }, pushTimeSeconds: 3, from: 1 },
        { key: { job: 'b' }, pushTimeSeconds: 1, from: 1 },
      ],
    ]);
    expect(copies.map((c) => [c.key.job, c.from])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });
});
