import { groupingKeyId } from '../../../lambdas/domain/grouping-key';
import { GroupPaths } from '../../../lambdas/handlers/push-ingest/group-paths';

describe('GroupPaths', () => {
  it('answers a group path with one key object and its id, every time', () => {
    const paths = new GroupPaths();
    const first = paths.parse('/metrics/job/batch/instance/i1');
    const again = paths.parse('/metrics/job/batch/instance/i1');
    expect(first).toEqual({
      ok: true,
      key: { job: 'batch', instance: 'i1' },
      id: groupingKeyId({ job: 'batch', instance: 'i1' }),
    });
    // The same object: what is derived from a key (WeakMaps keyed by it) is derived once per group.
    expect(again).toBe(first);
  });

  it('answers refused and unclean paths as the parser does, each time', () => {
    const paths = new GroupPaths();
    for (let i = 0; i < 2; i++) {
      expect(paths.parse('/metrics/job/x/a/..')).toEqual({ ok: false, redirect: '/metrics/job/x' });
      expect(paths.parse('/metrics/job/a/b')).toMatchObject({ ok: false, status: 400 });
      expect(paths.parse('/metrics')).toMatchObject({ ok: false, status: 404 });
    }
  });

  it('stays right past its bound (it forgets every path, then learns them again)', () => {
    const paths = new GroupPaths();
    const before = paths.parse('/metrics/job/j/instance/0');
    for (let i = 1; i <= 10_001; i++) paths.parse(`/metrics/job/j/instance/${i}`);
    const after = paths.parse('/metrics/job/j/instance/0');
    expect(after).toEqual(before);
    expect(after).not.toBe(before);
    expect(paths.parse('/metrics/job/j/instance/0')).toBe(after);
  });
});
