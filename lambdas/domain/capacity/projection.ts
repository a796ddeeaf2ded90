/**
 * Growth projection: a least-squares line through the last weeks' points, and the date it crosses a limit.
 *
 * Pure: no I/O.
 */

export interface TimePoint {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly value: number;
}

export interface LinearFit {
  /** Change per day. */
  readonly slopePerDay: number;
  /** Value at `originAt`. */
  readonly intercept: number;
  /** Epoch ms of x = 0 (the first point), kept so large epoch values do not cost precision. */
  readonly originAt: number;
  /** Coefficient of determination, 1 for a perfect fit (1 as well when every point has the same value). */
  readonly r2: number;
}

const DAY_MS = 86_400_000;

/** Fewer points than this give no projection (two points always fit a line exactly, which says little). */
export const MIN_PROJECTION_POINTS = 3;

/**
 * Ordinary least squares over (time, value). Returns undefined with fewer than 2 points, or when every point
 * has the same time. Non-finite values are ignored.
 */
export function linearFit(points: readonly TimePoint[]): LinearFit | undefined {
  const usable = points.filter((p) => Number.isFinite(p.at) && Number.isFinite(p.value));
  if (usable.length < 2) return undefined;
  const originAt = Math.min(...usable.map((p) => p.at));
  const xs = usable.map((p) => (p.at - originAt) / DAY_MS);
  const ys = usable.map((p) => p.value);
  const n = usable.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - meanX;
    const dy = (ys[i] ?? 0) - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return undefined;
  const slopePerDay = sxy / sxx;
  const intercept = meanY - slopePerDay * meanX;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slopePerDay, intercept, originAt, r2 };
}

/** The fitted value at a time. */
export function valueAt(fit: LinearFit, at: number): number {
  return fit.intercept + fit.slopePerDay * ((at - fit.originAt) / DAY_MS);
}

export type Projection =
  | { readonly kind: 'insufficient-data'; readonly points: number; readonly message: string }
  | { readonly kind: 'already-exceeded'; readonly current: number; readonly limit: number; readonly message: string }
  | {
      readonly kind: 'crosses';
      readonly at: string;
      readonly daysFromNow: number;
      readonly fit: LinearFit;
      readonly limit: number;
      readonly message: string;
    }
  | {
      readonly kind: 'not-within-horizon';
      readonly reason: 'flat' | 'declining' | 'beyond-horizon';
      readonly fit: LinearFit;
      readonly limit: number;
      readonly horizonDays: number;
      readonly message: string;
    };

export interface ProjectionOptions {
  readonly limit: number;
  /** Epoch ms the projection starts from. */
  readonly now: number;
  readonly horizonDays: number;
}

/**
 * Projects `points` to the date the fitted line reaches `limit`. The latest point decides "already exceeded";
 * otherwise a flat or declining trend, or a crossing after `now + horizonDays`, is "not within horizon". A trend
 * whose fitted line is already over the limit while the latest point is not gives a crossing of today.
 */
export function projectLimitCrossing(points: readonly TimePoint[], options: ProjectionOptions): Projection {
  const { limit, now, horizonDays } = options;
  const usable = points.filter((p) => Number.isFinite(p.at) && Number.isFinite(p.value));
  if (usable.length < MIN_PROJECTION_POINTS) {
    return {
      kind: 'insufficient-data',
      points: usable.length,
      message: `not enough history to project (${usable.length} point${usable.length === 1 ? '' : 's'}, need ${MIN_PROJECTION_POINTS})`,
    };
  }
  const latest = usable.reduce((a, b) => (b.at > a.at ? b : a));
  if (latest.value >= limit) {
    return {
      kind: 'already-exceeded',
      current: latest.value,
      limit,
      message: `already at or above the limit (${latest.value} >= ${limit})`,
    };
  }
  const fit = linearFit(usable);
  if (!fit) {
    return {
      kind: 'insufficient-data',
      points: usable.length,
      message: 'not enough history to project (all points at the same time)',
    };
  }
  // A slope below one millionth of the limit per day reaches it only after thousands of years: flat.
  if (Math.abs(fit.slopePerDay) <= Math.abs(limit) * 1e-9 || fit.slopePerDay === 0) {
    return { kind: 'not-within-horizon', reason: 'flat', fit, limit, horizonDays, message: 'flat: no growth' };
  }
  if (fit.slopePerDay < 0) {
    return { kind: 'not-within-horizon', reason: 'declining', fit, limit, horizonDays, message: 'declining' };
  }
  const crossingAt = Math.max(now, fit.originAt + ((limit - fit.intercept) / fit.slopePerDay) * DAY_MS);
  const daysFromNow = (crossingAt - now) / DAY_MS;
  if (daysFromNow > horizonDays) {
    return {
      kind: 'not-within-horizon',
      reason: 'beyond-horizon',
      fit,
      limit,
      horizonDays,
      message: `not within ${horizonDays} days at the current growth`,
    };
  }
  const at = new Date(crossingAt).toISOString();
  return {
    kind: 'crosses',
    at,
    daysFromNow,
    fit,
    limit,
    message: `reaches the limit around ${at.slice(0, 10)} (in ${Math.round(daysFromNow)} days)`,
  };
}
