import fc from 'fast-check';
import { parseExposition, parseFully } from '../../../lambdas/domain/exposition/parser';
import type { GroupingKey } from '../../../lambdas/domain/grouping-key';
import { groupingKeyId, keyNamesOf } from '../../../lambdas/domain/grouping-key';
import {
  type GroupState,
  labelSetId,
  pushedFamilies,
  sameSeriesIds,
} from '../../../lambdas/domain/pushgateway-semantics';
import {
  crossingCandidates,
  exposesAny,
  introducedSeries,
  registeredKeyNames,
  withKeyNames,
} from '../../../lambdas/domain/series-crossings';

/** A group as the Pushgateway exposes it: grouping labels applied, `instance` defaulted. */
function group(key: GroupingKey, text: string): GroupState {
  const parsed = parseExposition(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { key, families: pushedFamilies(parsed.families, key) };
}

describe('the registry of grouping-key names', () => {
  it('lists each name set once, sorted, and raises the epoch only when one is added', () => {
    expect(keyNamesOf({ job: 'a', instance: 'x', zone: 'z' })).toBe('instance,job,zone');
    const first = withKeyNames(undefined, ['job']);
    expect(first).toEqual({ value: 'job', epoch: 1, pending: false });
    const second = withKeyNames(first, ['instance,job', 'job', 'instance,job']);
    expect(second).toEqual({ value: 'instance,job job', epoch: 2, pending: false });
    expect(withKeyNames(second, ['job'])).toBeUndefined();
    expect(registeredKeyNames(second)).toEqual(['instance,job', 'job']);
    expect(registeredKeyNames(undefined)).toEqual([]);
  });
});

describe('introducedSeries', () => {
  const key = { job: 'a' };

  it('finds nothing new when the same series come again with new values, in any order', () => {
    const before = group(key, 'm{instance="x"} 1\nn{z="1"} 1\n');
    expect(introducedSeries(group(key, 'm{instance="x"} 2\nn{z="1"} 5\n'), before).size).toBe(0);
    expect(introducedSeries(group(key, 'n{z="1"} 5\nm{instance="x"} 2\n'), before).size).toBe(0);
  });

  it('names the series a version adds: a label value changed, a family added; all of them without a base', () => {
    const before = group(key, 'm{instance="y"} 1\nm{instance="z"} 1\n');
    const next = group(key, 'm{instance="x"} 1\nm{instance="z"} 1\nn 1\n');
    expect(introducedSeries(next, before)).toEqual(
      new Map([
        ['m', [labelSetId({ instance: 'x', job: 'a' })]],
        ['n', [labelSetId({ instance: '', job: 'a' })]],
      ]),
    );
    expect([...introducedSeries(before, undefined).values()].flat()).toHaveLength(2);
    expect(introducedSeries(undefined, before).size).toBe(0);
  });
});

describe('crossingCandidates', () => {
  it('projects each new series onto every other registered name set carried, naming those groups', () => {
    const a = group({ job: 'a' }, 'm{instance="x"} 1\nm{instance="y",zone="z"} 1\nn{other="1"} 1\n');
    const candidates = crossingCandidates({ job: 'a' }, introducedSeries(a, undefined), [
      'instance,job',
      'job',
      'job,zone',
      'job,nowhere',
    ]);
    expect(candidates).toEqual(
      new Map([
        [groupingKeyId({ job: 'a', instance: 'x' }), new Map([['m', [labelSetId({ instance: 'x', job: 'a' })]]])],
        [
          groupingKeyId({ job: 'a', instance: 'y' }),
          new Map([['m', [labelSetId({ instance: 'y', job: 'a', zone: 'z' })]]]),
        ],
        // `n` gets instance="" from the Pushgateway: the group `{instance="",job="a"}` could expose it.
        [
          groupingKeyId({ job: 'a', instance: '' }),
          new Map([['n', [labelSetId({ instance: '', job: 'a', other: '1' })]]]),
        ],
        [
          groupingKeyId({ job: 'a', zone: 'z' }),
          new Map([['m', [labelSetId({ instance: 'y', job: 'a', zone: 'z' })]]]),
        ],
      ]),
    );
  });

  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty'])(
    'reads a label named %s from the series, not from what a plain object inherits',
    (name) => {
      const b = group({ job: 'a' }, `m{${name}="x"} 1\n`);
      const candidates = crossingCandidates({ job: 'a' }, introducedSeries(b, undefined), [`${name},job`, 'job']);
      expect([...(candidates?.keys() ?? [])]).toEqual([groupingKeyId({ job: 'a', [name]: 'x' })]);
    },
  );

  it('names no group when only its own name set is registered, and never itself', () => {
    const b = group({ job: 'a', instance: 'x' }, 'm 1\n');
    const introduced = introducedSeries(b, undefined);
    expect(crossingCandidates({ job: 'a', instance: 'x' }, introduced, ['instance,job'])?.size).toBe(0);
    expect([
      ...(crossingCandidates({ job: 'a', instance: 'x' }, introduced, ['instance,job', 'job'])?.keys() ?? []),
    ]).toEqual([groupingKeyId({ job: 'a' })]);
  });
  it('reads each name of a set within the key from the key, and gives up past the limit', () => {
    // `job` is the key's: one group for every series; `instance` comes from each series.
    const hosts = group({ job: 'a' }, Array.from({ length: 5 }, (_, i) => `m{instance="h${i}"} 1\n`).join(''));
    const introduced = introducedSeries(hosts, undefined);
    expect(crossingCandidates({ job: 'a' }, introduced, ['job,zone'])?.size).toBe(0);
    expect(crossingCandidates({ job: 'a' }, introduced, ['instance,job'])?.size).toBe(5);
    expect(crossingCandidates({ job: 'a' }, introduced, ['instance,job'], 5)?.size).toBe(5);
    expect(crossingCandidates({ job: 'a' }, introduced, ['instance,job'], 4)).toBeUndefined();
  });
});

describe('exposesAny', () => {
  it('is true exactly when the group exposes one of the series, as the Pushgateway labels them', () => {
    const a = group({ job: 'a' }, 'm{instance="x"} 1\n');
    const b = group({ job: 'a', instance: 'x' }, 'm 1\nn 1\n');
    const fromB = introducedSeries(b, undefined);
    expect(exposesAny(a, new Map([['m', fromB.get('m') ?? []]]))).toBe(true);
    expect(exposesAny(a, new Map([['n', fromB.get('n') ?? []]]))).toBe(false);
    expect(exposesAny(undefined, fromB)).toBe(false);
  });
});

describe('sameSeriesIds', () => {
  const label = fc.constantFrom('a', 'b', 'instance', 'zone');
  const value = fc.constantFrom('1', '2', 'x', 'a\\"b', '');
  const sample = fc.uniqueArray(fc.tuple(label, value), { selector: ([n]) => n, maxLength: 3 });
  const body = fc.record({
    type: fc.constantFrom('gauge', 'summary'),
    samples: fc.array(sample, { minLength: 1, maxLength: 4 }),
    sorted: fc.boolean(),
  });
  const key = fc.constantFrom<GroupingKey>({ job: 'j' }, { job: 'j', instance: 'i' }, { instance: 'i', job: 'j' });
  const text = (b: { type: string; samples: [string, string][][]; sorted: boolean }): string => {
    const lines = [`# TYPE m ${b.type}`];
    b.samples.forEach((pairs, i) => {
      const ordered = b.sorted ? [...pairs].sort(([x], [y]) => (x < y ? -1 : 1)) : pairs;
      const labels = b.type === 'summary' ? [...ordered, ['quantile', String(i % 2)] as [string, string]] : ordered;
      const block = labels.map(([n, v]) => `${n}="${v}"`).join(',');
      lines.push(`m${labels.length > 0 ? `{${block}}` : ''} ${i}`);
    });
    return `${lines.join('\n')}\n`;
  };
  /** Read as the ingestion reads a push (decode.ts: the complete parser, every sample), or by the fast scanner. */
  const pushed = (b: Parameters<typeof text>[0], k: GroupingKey, scanned = false) => {
    const parsed = scanned ? parseExposition(text(b)) : parseFully(text(b));
    return parsed.ok ? pushedFamilies(parsed.families, k)[0] : undefined;
  };

  it('tells two pushes of a family apart exactly as their series ids do, from their label keys where it can', () => {
    let same = 0;
    let differ = 0;
    const next = fc.constantFrom('same group again', 'same body, any key', 'any');
    fc.assert(
      fc.property(body, body, key, key, next, fc.boolean(), (x, y, kx, ky, then, scanned) => {
        const a = pushed(x, kx, scanned);
        // Often the same body again: as a batch job pushes its group, or under another key (same or other names).
        const b = pushed(then === 'any' ? y : x, then === 'same group again' ? kx : ky);
        if (!a || !b) return;
        const expected =
          a.seriesIds.length === b.seriesIds.length && a.seriesIds.every((id, i) => id === b.seriesIds[i]);
        expect(sameSeriesIds(a, b)).toBe(expected);
        expect(sameSeriesIds(b, a)).toBe(expected);
        if (expected) same++;
        else differ++;
      }),
      { numRuns: 2000 },
    );
    expect(same).toBeGreaterThan(200);
    expect(differ).toBeGreaterThan(200);
  });

  it('builds no series id for a group pushed again with the same series', () => {
    const b = { type: 'gauge', samples: [[['a', '1']], [['a', '2']]] as [string, string][][], sorted: true };
    const first = pushed(b, { job: 'j', instance: 'i' });
    const again = pushed(b, { job: 'j', instance: 'i' });
    if (!first || !again) throw new Error('the body did not parse');
    const built = jest.spyOn(Object.getPrototypeOf(first), 'seriesIds', 'get');
    expect(sameSeriesIds(first, again)).toBe(true);
    expect(built).not.toHaveBeenCalled();
    built.mockRestore();
  });
});
