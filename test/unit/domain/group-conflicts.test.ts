import { byCommit, resolveConflicts, resolvedRecord } from '../../../lambdas/domain/group-conflicts';
import type { GroupRecord, StoredFamily } from '../../../lambdas/domain/group-record';
import { type GroupingKey, groupingKeyId } from '../../../lambdas/domain/grouping-key';

const family = (name: string, type: StoredFamily['type'], lines: string[]): StoredFamily => ({
  name,
  type,
  sampleCount: lines.length,
  text: `# TYPE ${name} ${type}\n${lines.map((l) => `${l}\n`).join('')}`,
});
const record = (key: GroupingKey, committedAt: number | undefined, families: StoredFamily[]): GroupRecord => ({
  id: groupingKeyId(key),
  key,
  version: 3,
  deleted: false,
  families,
  ...(committedAt === undefined ? {} : { committedAt }),
});
const own = new Map([['go_goroutines', 'gauge' as const]]);

describe('resolveConflicts: records replayed in commit order through the consistency check', () => {
  it('replays acknowledged records first: an acknowledged record never loses to one not acknowledged, whatever the stamps', () => {
    const stampedEarlier = record({ job: 'early' }, 10, [family('shared', 'counter', ['shared 1'])]);
    const acknowledged = record({ job: 'acked' }, 20, [family('shared', 'gauge', ['shared 2'])]);
    const [resolution, ...more] = resolveConflicts(
      [stampedEarlier, acknowledged],
      own,
      (r) => r.id === acknowledged.id,
    );
    expect(more).toEqual([]);
    expect(resolution?.id).toBe(stampedEarlier.id);
    // Without acknowledgements (or with both acknowledged) commit order decides, as before.
    expect(resolveConflicts([stampedEarlier, acknowledged], own).map((r) => r.id)).toEqual([acknowledged.id]);
    expect(resolveConflicts([stampedEarlier, acknowledged], own, () => false).map((r) => r.id)).toEqual([
      acknowledged.id,
    ]);
  });

  it('leaves consistent records alone', () => {
    const records = [
      record({ job: 'a' }, 1, [family('m', 'gauge', ['m 1'])]),
      record({ job: 'b' }, 2, [family('m', 'gauge', ['m 2'])]),
    ];
    expect(resolveConflicts(records, own)).toEqual([]);
  });

  it('cuts the later of two records typing one family differently back to its other families, whatever the input order', () => {
    const earlier = record({ job: 'a' }, 10, [family('shared', 'gauge', ['shared 1'])]);
    const later = record({ job: 'b' }, 20, [
      family('shared', 'counter', ['shared 2']),
      family('own_b', 'gauge', ['own_b 1']),
    ]);
    for (const records of [
      [earlier, later],
      [later, earlier],
    ]) {
      const [resolution, ...more] = resolveConflicts(records, own);
      expect(more).toEqual([]);
      expect(resolution?.id).toBe(later.id);
      expect(resolution?.dropped).toEqual(['shared']);
      expect(resolution?.kept.map((f) => f.name)).toEqual(['own_b']);
      expect(resolution?.reason).toMatch(/is not a GAUGE/);
      const next = resolvedRecord(later, resolution as NonNullable<typeof resolution>);
      expect([next.version, next.deleted, next.families.map((f) => f.name), next.committedAt]).toEqual([
        4,
        false,
        ['own_b'],
        20,
      ]);
    }
  });

  it('drops a later series held by an earlier group, and the whole of a group whose key collides with an earlier one', () => {
    // Grouping labels override pushed ones, other pushed labels stay: {job="p"} pushing x{instance="a"} exposes the
    // series of {job="p",instance="a"} pushing x. And {job="r"} gets instance="" added, as {job="r",instance=""} has.
    const held = record({ job: 'p', instance: 'a' }, 1, [family('x', 'gauge', ['x 1'])]);
    const duplicate = record({ job: 'p' }, 2, [family('x', 'gauge', ['x{instance="a"} 2'])]);
    const plain = record({ job: 'r' }, 3, [family('y', 'gauge', ['y 1'])]);
    const colliding = record({ job: 'r', instance: '' }, 4, [family('z', 'gauge', ['z 1'])]);
    const resolutions = resolveConflicts([colliding, duplicate, plain, held], own);
    expect(resolutions.map((r) => [r.id, r.dropped, r.kept.length])).toEqual([
      [duplicate.id, ['x'], 0],
      [colliding.id, ['z'], 0],
    ]);
    expect(resolutions[0]?.reason).toMatch(/was collected before with the same name and label values/);
    expect(resolvedRecord(duplicate, resolutions[0] as (typeof resolutions)[0]).deleted).toBe(true);
  });

  it("refuses a type against the Pushgateway's own families, and orders records without a commit time first", () => {
    const records = [record({ job: 'a' }, undefined, [family('go_goroutines', 'counter', ['go_goroutines 1'])])];
    expect(resolveConflicts(records, own).map((r) => r.dropped)).toEqual([['go_goroutines']]);
    const old = record({ job: 'z' }, undefined, []);
    const recent = record({ job: 'a' }, 5, []);
    expect([recent, old].sort(byCommit).map((r) => r.id)).toEqual([old.id, recent.id]);
  });
});
