/**
 * The largest `n` in 0..`max` for which `fits(n)` holds, where fitting is monotone (what fits with n fits with
 * fewer: a message cut to its first n items); 0 when nothing larger fits (`fits(0)` is not asked). A binary search,
 * so a cut of thousands of alerts costs a dozen renderings.
 */
export function largestFitting(max: number, fits: (n: number) => boolean): number {
  let low = 0;
  let high = max;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}
