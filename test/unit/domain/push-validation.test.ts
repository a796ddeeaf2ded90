import { parseExposition } from '../../../lambdas/domain/exposition/parser';
import { validateConsistency, validateGroupingLabels, validatePushBody } from '../../../lambdas/domain/push-validation';
import {
  applyPush,
  formatLabelSetId,
  type GroupState,
  pushedFamilies,
} from '../../../lambdas/domain/pushgateway-semantics';

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
    expect(pushed[0]?.seriesIds.map(formatLabelSetId)).toEqual([
      '{a="1",instance="",job="batch"}',
      '{instance="i",job="batch"}',
    ]);
  });

  it('folds histogram samples into one series per label set without le', () => {
    const pushed = pushedFamilies(
      families('# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'),
      { job: 'j' },
    );
    expect(pushed.map((f) => [f.name, f.type, f.seriesIds.map(formatLabelSetId)])).toEqual([
      ['h', 'histogram', ['{instance="",job="j"}']],
    ]);
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
        'pushed metrics are invalid or inconsistent with existing metrics: collected metric "y" { label:<name:"__a" value:"1" > } has a label with an invalid name: __a',
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
    // The Pushgateway's words (client_golang's registry), naming the pushed series and the type held elsewhere.
    expect(!result.ok && result.message).toBe(
      'pushed metrics are invalid or inconsistent with existing metrics: collected metric "x" { label:<name:"instance" value:"" > label:<name:"job" value:"c" > } is not a UNTYPED',
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
      /collected metric "y" \{ label:<name:"instance" value:"" > label:<name:"job" value:"b" > label:<name:"shard" value:"1" > \} was collected before/,
    );
  });

  it('refuses the same series twice in one push, including after URL labels override the body', () => {
    const result = check('PUT', { job: 'c' }, 'z{job="p"} 1\nz{job="q"} 2\n');
    expect(!result.ok && result.message).toMatch(
      /collected metric "z" \{ label:<name:"instance" value:"" > label:<name:"job" value:"c" > \} was collected before/,
    );
  });

  // The parser's canonical label keys let distinct series skip building ids; every way two written label sets can
  // be one series must still be caught, with the same message.
  it.each([
    [
      'in another label order',
      'z{a="1",b="2"} 1\nz{b="2",a="1"} 2\n',
      '{ label:<name:"a" value:"1" > label:<name:"b" value:"2" > label:<name:"instance" value:"" > label:<name:"job" value:"c" > }',
    ],
    [
      'with blanks and a trailing comma',
      'z{a="1"} 1\nz{ a = "1", } 2\n',
      '{ label:<name:"a" value:"1" > label:<name:"instance" value:"" > label:<name:"job" value:"c" > }',
    ],
    [
      'written identically, out of order',
      'z{a="2"} 1\nz{a="1"} 1\nz{a="2"} 2\n',
      '{ label:<name:"a" value:"2" > label:<name:"instance" value:"" > label:<name:"job" value:"c" > }',
    ],
    [
      'as instance="" and no instance',
      'z 1\nz{instance=""} 2\n',
      '{ label:<name:"instance" value:"" > label:<name:"job" value:"c" > }',
    ],
    [
      'with an escaped value',
      'z{a="x\\\\y"} 1\nz{a="x\\\\y"} 2\n',
      '{ label:<name:"a" value:"x\\\\y" > label:<name:"instance" value:"" > label:<name:"job" value:"c" > }',
    ],
  ])('refuses the same series twice %s', (_, text, series) => {
    const result = check('PUT', { job: 'c' }, text);
    expect(!result.ok && result.message).toContain(`collected metric "z" ${series} was collected before`);
  });

  it('accepts distinct series whatever their order, and folds histogram buckets written in any label order', () => {
    expect(check('PUT', { job: 'c' }, 'z{a="2"} 1\nz{a="1"} 1\nz{a="1",b="1"} 1\nz{instance="i"} 1\nz 1\n')).toEqual({
      ok: true,
    });
    const pushed = pushedFamilies(
      families(
        '# TYPE h histogram\nh_bucket{a="1",le="1"} 1\nh_bucket{le="+Inf",a="1"} 1\nh_sum{a="1"} 1\nh_count{a="1"} 1\n',
      ),
      { job: 'j' },
    );
    expect(pushed.map((f) => f.seriesIds.map(formatLabelSetId))).toEqual([['{a="1",instance="",job="j"}']]);
  });
});

describe('validateGroupingLabels', () => {
  const HISTOGRAM = '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n';
  const SUMMARY = '# TYPE s summary\ns{quantile="0.5",stage="load"} 1\ns_sum 1\ns_count 1\n';
  const check = (key: Record<string, string>, text: string) =>
    validateGroupingLabels(key, pushedFamilies(families(text), key));

  it('refuses a summary in a group keyed by quantile in the Pushgateway words (storage stage: it refuses it too)', () => {
    expect(check({ job: 'j', quantile: '5' }, `g 1\n${SUMMARY}`)).toEqual({
      ok: false,
      stage: 'storage',
      message:
        'pushed metrics are invalid or inconsistent with existing metrics: collected metric "s" { label:<name:"instance" value:"" > label:<name:"job" value:"j" > label:<name:"quantile" value:"5" > label:<name:"stage" value:"load" > } must not have an explicit "quantile" label',
    });
  });

  it('refuses a histogram in a group keyed by le at the parse stage (the Pushgateway takes it; Prometheus cannot scrape it)', () => {
    const result = check({ job: 'j', le: '5' }, HISTOGRAM);
    expect(result).toMatchObject({ ok: false, stage: 'parse' });
    expect(result.ok ? '' : result.message).toMatch(
      /^pushed metrics are invalid or inconsistent with existing metrics: histogram h in a group with the grouping label le .*label name "le" is not unique/,
    );
  });

  it('takes every other combination: le on gauges and summaries, quantile on gauges and histograms, no such key', () => {
    expect(check({ job: 'j', le: '5' }, `g 1\n${SUMMARY}`)).toEqual({ ok: true });
    expect(check({ job: 'j', quantile: '5' }, `g 1\n${HISTOGRAM}`)).toEqual({ ok: true });
    expect(check({ job: 'j', instance: 'i' }, `${HISTOGRAM}${SUMMARY}`)).toEqual({ ok: true });
  });

  it('takes a histogram or summary that has no sample (a HELP/TYPE alone adds nothing to the group)', () => {
    expect(check({ job: 'j', le: '5' }, '# TYPE h histogram\n')).toEqual({ ok: true });
    expect(check({ job: 'j', quantile: '5' }, '# TYPE s summary\n')).toEqual({ ok: true });
  });
});
