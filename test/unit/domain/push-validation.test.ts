import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import { validateConsistency, validatePushBody } from '../../../lambdas/domain/push-validation';
import { applyPush, type GroupState, pushedFamilies } from '../../../lambdas/domain/pushgateway-semantics';

function families(text: string) {
  const result = parseExposition(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.families;
}

function group(key: Record<string, string>, text: string): GroupState {
  return { key, families: pushedFamilies(families(text), key) };
}

const own = new Map([['go_goroutines', 'gauge' as const]]);

describe('pushedFamilies', () => {
  it('lets URL labels override body labels and defaults instance to ""', () => {
    const pushed = pushedFamilies(families('x{job="other",a="1"} 1\nx{instance="i"} 2\n'), { job: 'batch' });
    expect(pushed[0]?.series).toEqual([
      { instance: '', job: 'batch', a: '1' },
      { instance: 'i', job: 'batch' },
    ]);
  });

  it('folds histogram samples into one series per label set without le', () => {
    const pushed = pushedFamilies(
      families('# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'),
      { job: 'j' },
    );
    expect(pushed).toEqual([{ name: 'h', type: 'histogram', help: undefined, series: [{ instance: '', job: 'j' }] }]);
  });
});

describe('applyPush', () => {
  const existing = group({ job: 'j' }, 'a 1\nb 1\n');
  const push = group({ job: 'j' }, 'b 2\nc 2\n');
  it('PUT replaces the group', () => {
    expect(applyPush('PUT', existing, push).families.map((f) => f.name)).toEqual(['b', 'c']);
  });
  it('POST replaces only the same-named families', () => {
    expect(applyPush('POST', existing, push).families.map((f) => f.name)).toEqual(['a', 'b', 'c']);
  });
});

describe('validatePushBody', () => {
  it('refuses timestamps and __ label names, naming the line', () => {
    expect(validatePushBody(families('x 1 5\n'))).toEqual({
      ok: false,
      message:
        'pushed metrics are invalid or inconsistent with existing metrics: pushed metrics must not have timestamps',
    });
    expect(validatePushBody(families('x 1\ny{__a="1"} 1\n'))).toEqual({
      ok: false,
      message:
        'pushed metrics are invalid or inconsistent with existing metrics: metric "y" (line 2) has a label with an invalid name: __a',
    });
    expect(validatePushBody(families('x{a_="1"} 1\n'))).toEqual({ ok: true });
  });
});

describe('validateConsistency', () => {
  const stored = [group({ job: 'a' }, 'x 1\n'), group({ job: 'b', shard: '1' }, 'y 1\n')];
  const check = (method: 'PUT' | 'POST', key: Record<string, string>, text: string) =>
    validateConsistency({ method, key, pushed: pushedFamilies(families(text), key), groups: stored, ownFamilies: own });

  it('accepts a push that keeps every family to one type and every series unique', () => {
    expect(check('PUT', { job: 'c' }, 'x 2\ny{shard="2"} 1\n')).toEqual({ ok: true });
  });

  it('refuses another type for a family another group holds', () => {
    const result = check('PUT', { job: 'c' }, '# TYPE x counter\nx 1\n');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(
      /metric family x is COUNTER in this push but UNTYPED in group \{job="a"\}/,
    );
  });

  it('ignores the target group itself: a PUT may change the type of its own families', () => {
    expect(check('PUT', { job: 'a' }, '# TYPE x gauge\nx 1\n')).toEqual({ ok: true });
  });

  it('refuses another type for one of the Pushgateway’s own families', () => {
    const result = check('PUT', { job: 'c' }, 'go_goroutines 3\n');
    expect(!result.ok && result.message).toMatch(/go_goroutines has type UNTYPED but should have GAUGE/);
  });

  it('refuses a series another group already exposes (grouping labels applied)', () => {
    const result = check('PUT', { job: 'b' }, 'y{shard="1"} 5\n');
    expect(!result.ok && result.message).toMatch(
      /collected metric "y" \{instance="",job="b",shard="1"\} was collected before/,
    );
  });

  it('refuses the same series twice in one push, including after URL labels override the body', () => {
    const result = check('PUT', { job: 'c' }, 'z{job="p"} 1\nz{job="q"} 2\n');
    expect(!result.ok && result.message).toMatch(/collected metric "z" \{instance="",job="c"\} was collected before/);
  });
});
