import fc from 'fast-check';
import type { MetricType } from '../../../lambdas/domain/exposition/parser';
import { GroupIndex } from '../../../lambdas/domain/group-index';
import { type GroupingKey, groupingKeyId } from '../../../lambdas/domain/grouping-key';
import { validateConsistency } from '../../../lambdas/domain/push-validation';
import { type FamilyState, type GroupState, labelSetId } from '../../../lambdas/domain/pushgateway-semantics';
import { consistentByScan } from '../../support/consistency-scan';

/**
 * The index must answer exactly what a scan of every group answers, also after groups were replaced and deleted
 * while its per-name series were already built.
 */

const keys: GroupingKey[] = [{ job: 'a' }, { job: 'a', instance: 'x' }, { job: 'b' }, { job: 'b', instance: 'y' }];

const family = fc
  .tuple(
    fc.constantFrom('m', 'n', 'o'),
    fc.constantFrom<MetricType>('gauge', 'counter'),
    // Some series carry `instance` in the body: pushed under {job} they collide with a {job, instance} group.
    fc.uniqueArray(fc.constantFrom('1', '2', '3', '1/x', '2/x'), { maxLength: 3 }),
  )
  .map(
    ([name, type, values]): FamilyState => ({
      name,
      type,
      seriesIds: values.map((v) => {
        const [value = '', instance] = v.split('/');
        return labelSetId(instance === undefined ? { v: value } : { v: value, instance });
      }),
    }),
  );
/** Stored state is consistent (each replica checked it): one type per name across groups. */
const TYPES: Readonly<Record<string, MetricType>> = { m: 'gauge', n: 'counter', o: 'counter' };
const storedFamily = family.map((f) => ({ ...f, type: TYPES[f.name] as MetricType }));

/** A group's families, with the grouping labels in every series as a Pushgateway holds them. */
function group(key: GroupingKey, families: readonly FamilyState[]): GroupState {
  const seen = new Set<string>();
  return {
    key,
    families: families
      .filter((f) => !seen.has(f.name) && seen.add(f.name))
      .map((f) => ({
        ...f,
        seriesIds: f.seriesIds.map((id) => labelSetId({ ...Object.fromEntries(idPairs(id)), ...key })),
      })),
  };
}

function idPairs(id: string): [string, string][] {
  return id
    .split('\u0001')
    .filter(Boolean)
    .map((pair) => pair.split('\u0000') as [string, string]);
}

type Step =
  | { kind: 'set'; key: number; versions: FamilyState[][] }
  | { kind: 'delete'; key: number }
  /** The group pushed again with the same series (new objects): the index's in-place path. */
  | { kind: 'again'; key: number }
  | { kind: 'check'; key: number; pushed: FamilyState[] };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    key: fc.nat(keys.length - 1),
    versions: fc.array(fc.array(storedFamily, { maxLength: 3 }), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.nat(keys.length - 1) }),
  fc.record({ kind: fc.constant('again' as const), key: fc.nat(keys.length - 1) }),
  fc.record({
    kind: fc.constant('check' as const),
    // Mostly pushes without `instance` in the key, the ones a {job, instance} group can collide with.
    key: fc.constantFrom(0, 0, 2, 2, 1, 3),
    pushed: fc.array(fc.oneof(storedFamily, storedFamily, family), { maxLength: 3 }),
  }),
);

describe('GroupIndex', () => {
  it('answers every push as a scan of all groups does, while groups change under it', () => {
    const own = new Map<string, MetricType>([['o', 'counter']]);
    let checks = 0;
    let refusals = 0;
    let collisions = 0;
    let again = 0;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const index = new GroupIndex();
        const model = new Map<string, GroupState[]>();
        for (const s of steps) {
          const key = keys[s.key] as GroupingKey;
          const id = groupingKeyId(key);
          if (s.kind === 'set') {
            const versions = s.versions.map((families) => group(key, families));
            index.set(id, versions);
            model.set(id, versions);
          } else if (s.kind === 'delete') {
            index.delete(id);
            model.delete(id);
          } else if (s.kind === 'again') {
            const held = model.get(id);
            if (!held) continue;
            const copies = held.map((v) => ({
              key: { ...v.key },
              families: v.families.map((f) => ({ ...f, seriesIds: [...f.seriesIds] })),
            }));
            index.set(id, copies);
            model.set(id, copies);
            again++;
          } else {
            const pushed = group(key, s.pushed).families;
            const all = [...model.values()].flat();
            const expected = consistentByScan(key, pushed, all, own);
            for (const groups of [index, all, GroupIndex.of(all)]) {
              const result = validateConsistency({ method: 'PUT', key, pushed, groups, ownFamilies: own });
              expect(result.ok).toBe(expected);
            }
            checks++;
            if (!expected) refusals++;
            const types = pushed.every((f) => f.type === TYPES[f.name]);
            if (!expected && types && pushed.every((f) => new Set(f.seriesIds).size === f.seriesIds.length))
              collisions++;
          }
        }
        expect(index.size).toBe(model.size);
      }),
      { numRuns: 4000 },
    );
    // Both outcomes were exercised.
    expect(checks).toBeGreaterThan(3000);
    expect(refusals).toBeGreaterThan(300);
    // ...refusals for a series another group holds among them.
    expect(collisions).toBeGreaterThan(15);
    // ...and groups pushed again with the same series, in between.
    expect(again).toBeGreaterThan(400);
  });

  it('tells the type of a family held by another group, and which group', () => {
    const index = GroupIndex.of([
      group({ job: 'a' }, [{ name: 'm', type: 'gauge', seriesIds: [] }]),
      group({ job: 'b' }, [{ name: 'm', type: 'gauge', seriesIds: [] }]),
    ]);
    expect(index.typeElsewhere('m', groupingKeyId({ job: 'a' }))).toEqual({ type: 'gauge', where: 'job="b"' });
    expect(index.typeElsewhere('m', groupingKeyId({ job: 'c' }))).toEqual({ type: 'gauge', where: 'job="a"' });
    expect(index.typeElsewhere('x', '')).toBeUndefined();
  });

  it('holds what a group pushed again with the same series now says (its type, its series)', () => {
    const a = { job: 'a' };
    const series = [labelSetId({ v: '1', job: 'a' })];
    const index = GroupIndex.of([group(a, [{ name: 'm', type: 'gauge', seriesIds: [] }])]);
    index.set(groupingKeyId(a), [{ key: a, families: [{ name: 'm', type: 'gauge', seriesIds: series }] }]);
    // Its only holder now says counter, with the same series: the index must not answer the old type.
    index.set(groupingKeyId(a), [{ key: a, families: [{ name: 'm', type: 'counter', seriesIds: [...series] }] }]);
    expect(index.typeElsewhere('m', groupingKeyId({ job: 'b' }))).toEqual({ type: 'counter', where: 'job="a"' });
    expect(index.heldElsewhere('m', groupingKeyId({ job: 'b' }))?.(series[0] as string)).toBe(true);
    index.delete(groupingKeyId(a));
    expect(index.typeElsewhere('m', groupingKeyId({ job: 'b' }))).toBeUndefined();
    expect(index.heldElsewhere('m', groupingKeyId({ job: 'b' }))).toBeUndefined();
  });

  it('forgets a group on delete, and keeps versions of one group together', () => {
    const a1 = group({ job: 'a' }, [{ name: 'm', type: 'gauge', seriesIds: [labelSetId({ v: '1' })] }]);
    const a2 = group({ job: 'a' }, [{ name: 'm', type: 'gauge', seriesIds: [labelSetId({ v: '2' })] }]);
    const index = GroupIndex.of([a1, a2]);
    expect(index.size).toBe(1);
    expect(index.versions(groupingKeyId({ job: 'a' }))).toEqual([a1, a2]);
    const held = index.heldElsewhere('m', groupingKeyId({ job: 'b' }));
    expect([held?.(labelSetId({ job: 'a', v: '1' })), held?.(labelSetId({ job: 'a', v: '2' }))]).toEqual([true, true]);
    index.delete(groupingKeyId({ job: 'a' }));
    expect([index.size, index.heldElsewhere('m', groupingKeyId({ job: 'b' }))]).toEqual([0, undefined]);
  });

  it("checks no series of a name whose every holder has a key with the push key's label names", () => {
    const m = (key: GroupingKey) => group(key, [{ name: 'm', type: 'gauge', seriesIds: [labelSetId({ v: '1' })] }]);
    const index = GroupIndex.of([m({ job: 'j', instance: 'a' }), m({ job: 'j', instance: 'b' })]);
    const pushId = groupingKeyId({ job: 'j', instance: 'c' });
    // A fleet: every holder is keyed by {instance, job}, so each of its series carries another instance.
    expect(index.heldElsewhere('m', pushId, 'instance,job')).toBeUndefined();
    // Without the key's names, or for a push keyed otherwise, the series are looked at.
    expect(index.heldElsewhere('m', pushId)?.(labelSetId({ job: 'j', instance: 'a', v: '1' }))).toBe(true);
    const byJob = index.heldElsewhere('m', groupingKeyId({ job: 'j' }), 'job');
    expect(byJob?.(labelSetId({ job: 'j', instance: 'b', v: '1' }))).toBe(true);
    // A holder keyed by {job} alone can expose the pushed series (its body says instance="c"): looked at again.
    const crossing = group({ job: 'j' }, [
      { name: 'm', type: 'gauge', seriesIds: [labelSetId({ v: '1', instance: 'c' })] },
    ]);
    index.set(groupingKeyId({ job: 'j' }), [crossing]);
    expect(index.heldElsewhere('m', pushId, 'instance,job')?.(labelSetId({ job: 'j', instance: 'c', v: '1' }))).toBe(
      true,
    );
    // Pushed again with the same series, then gone: the fleet's names are alone again.
    index.set(groupingKeyId({ job: 'j' }), [{ ...crossing, families: crossing.families.map((f) => ({ ...f })) }]);
    expect(index.heldElsewhere('m', pushId, 'instance,job')).not.toBeUndefined();
    index.delete(groupingKeyId({ job: 'j' }));
    expect(index.heldElsewhere('m', pushId, 'instance,job')).toBeUndefined();
    index.delete(groupingKeyId({ job: 'j', instance: 'a' }));
    index.delete(groupingKeyId({ job: 'j', instance: 'b' }));
    expect(index.heldElsewhere('m', pushId, 'instance,job')).toBeUndefined();
    expect(index.size).toBe(0);
  });
});
