import {
  linearFit,
  projectLimitCrossing,
  type TimePoint,
  valueAt,
} from '../../../../lambdas/domain/capacity/projection';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-23T06:00:00Z');
/** `n` daily points ending at NOW following `f(daysAgo)`. */
const daily = (n: number, f: (dayIndex: number) => number): TimePoint[] =>
  Array.from({ length: n }, (_, i) => ({ at: NOW - (n - 1 - i) * DAY, value: f(i) }));

describe('linearFit', () => {
  it('recovers an exact line', () => {
    const fit = linearFit(daily(28, (i) => 100_000 + 5_000 * i));
    expect(fit?.slopePerDay).toBeCloseTo(5_000, 6);
    expect(fit?.intercept).toBeCloseTo(100_000, 4);
    expect(fit?.r2).toBeCloseTo(1, 9);
  });

  it('is the least-squares line of noisy points (symmetric noise leaves the slope)', () => {
    const fit = linearFit(daily(4, (i) => 10 * i + (i % 2 === 0 ? 1 : -1)));
    // x = 0..3, y = 1, 9, 21, 29: slope = Σdx·dy / Σdx² = (−1.5·−14 + −0.5·−6 + 0.5·6 + 1.5·14) / 5 = 48/5
    expect(fit?.slopePerDay).toBeCloseTo(9.6, 9);
    expect(fit?.intercept).toBeCloseTo(0.6, 9);
    if (fit) expect(valueAt(fit, NOW)).toBeCloseTo(29.4, 9);
  });

  it('returns undefined for fewer than 2 points or a single instant', () => {
    expect(linearFit([])).toBeUndefined();
    expect(linearFit([{ at: NOW, value: 1 }])).toBeUndefined();
    expect(
      linearFit([
        { at: NOW, value: 1 },
        { at: NOW, value: 2 },
      ]),
    ).toBeUndefined();
  });

  it('ignores non-finite values', () => {
    const points = [...daily(5, (i) => 2 * i), { at: NOW + DAY, value: Number.NaN }];
    expect(linearFit(points)?.slopePerDay).toBeCloseTo(2, 9);
  });
});

describe('projectLimitCrossing', () => {
  const opts = { limit: 500_000, now: NOW, horizonDays: 90 };

  it('dates the crossing of an exact linear growth', () => {
    // 300k today, +5k/day → 500k in 40 days.
    const p = projectLimitCrossing(
      daily(28, (i) => 165_000 + 5_000 * i),
      opts,
    );
    expect(p.kind).toBe('crosses');
    if (p.kind !== 'crosses') return;
    expect(p.daysFromNow).toBeCloseTo(40, 6);
    expect(p.at).toBe(new Date(NOW + 40 * DAY).toISOString());
  });

  it('a crossing beyond the horizon is "not within horizon"', () => {
    const p = projectLimitCrossing(
      daily(28, (i) => 100_000 + 1_000 * i),
      opts,
    ); // ~373 days away
    expect(p).toMatchObject({ kind: 'not-within-horizon', reason: 'beyond-horizon', horizonDays: 90 });
  });

  it('flat history never crosses', () => {
    expect(
      projectLimitCrossing(
        daily(28, () => 250_000),
        opts,
      ),
    ).toMatchObject({ kind: 'not-within-horizon', reason: 'flat' });
  });

  it('declining history never crosses', () => {
    expect(
      projectLimitCrossing(
        daily(28, (i) => 400_000 - 1_000 * i),
        opts,
      ),
    ).toMatchObject({
      kind: 'not-within-horizon',
      reason: 'declining',
    });
  });

  it.each([0, 1, 2])('%i points are too few', (n) => {
    expect(
      projectLimitCrossing(
        daily(n, (i) => i),
        opts,
      ),
    ).toMatchObject({ kind: 'insufficient-data', points: n });
  });

  it('a latest value at or over the limit is "already exceeded"', () => {
    expect(
      projectLimitCrossing(
        daily(5, (i) => 480_000 + 5_000 * i),
        opts,
      ),
    ).toMatchObject({
      kind: 'already-exceeded',
      current: 500_000,
    });
  });

  it('a fitted line already past the limit while the latest point is under it crosses today', () => {
    // A spike then a dip: the fit is above the limit at NOW, the latest sample is not.
    const points = [
      { at: NOW - 3 * DAY, value: 100_000 },
      { at: NOW - 2 * DAY, value: 400_000 },
      { at: NOW - DAY, value: 900_000 },
      { at: NOW, value: 450_000 },
    ];
    const p = projectLimitCrossing(points, opts);
    expect(p).toMatchObject({ kind: 'crosses', daysFromNow: 0, at: new Date(NOW).toISOString() });
  });

  it('uses only the shape of the points, not their order', () => {
    const points = daily(10, (i) => 300_000 + 10_000 * i);
    const shuffled = [...points].reverse();
    expect(projectLimitCrossing(shuffled, opts)).toEqual(projectLimitCrossing(points, opts));
  });
});
