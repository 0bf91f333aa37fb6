/**
 * Robust location and scale: median, MAD (median absolute deviation) and the robust z-score, as
 * the price baselines use them on ln prices. Pure functions, no I/O, no allocation on the hot path.
 *
 * Conventions:
 * - The median of an even count is the mean of the two middle values; of nothing, `NaN`.
 * - MAD is the median of |x − median| with the same convention, unscaled; {@link MAD_SCALE} turns
 *   it into an estimate of σ for normal data.
 * - A MAD of 0 (at least half of the values equal the median: e.g. every public hospital bills the
 *   same 集采 price) gives a robust z of +∞ above the median, −∞ below and 0 at it: any departure
 *   from a price everyone else agrees on is infinitely unusual, and a rule that uses the z-score
 *   must pair it with a threshold in the value's own units (the price rules' "× the median").
 *
 * `medianSorted` and `madSorted` read an ascending array maintained by the caller: O(1) and
 * O(log n) respectively. `median` and `mad` take values in any order (simple-statistics,
 * quickselect, O(n) with copies): for one-off use, not per event.
 */
import { median as ssMedian, medianAbsoluteDeviation as ssMad } from 'simple-statistics';

/** MAD × 1.4826 estimates the standard deviation of normally distributed values. */
export const MAD_SCALE = 1.4826;

/** Location and scale of a sample, as the baselines report it. */
export interface RobustSummary {
  /** How many values. */
  readonly n: number;
  readonly median: number;
  /** Median absolute deviation from `median`, unscaled. */
  readonly mad: number;
}

/** Median of the first `n` values of an ascending array (`NaN` when `n` is 0). O(1). */
export function medianSorted(sorted: ArrayLike<number>, n: number = sorted.length): number {
  if (n <= 0) return Number.NaN;
  const mid = n >> 1;
  return n & 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** First index in `[0, n)` whose value is ≥ `x` (`n` when none). */
export function lowerBound(sorted: ArrayLike<number>, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * MAD of the first `n` values of an ascending array, around `center` (their median by default).
 * O(log n) and allocation-free: the deviations below the center, read from the center outwards,
 * and those above it are two ascending runs; their middle order statistic is found by bisection
 * on how many of it come from the lower run (the k-th element of two sorted arrays).
 */
export function madSorted(sorted: ArrayLike<number>, n: number = sorted.length, center: number = medianSorted(sorted, n)): number {
  if (n <= 0) return Number.NaN;
  // Lower run: L[i] = center − sorted[p − 1 − i], i < p (all > 0); upper run: U[j] = sorted[p + j] − center.
  const p = lowerBound(sorted, n, center);
  const nl = p;
  const nu = n - p;
  const k = (n - 1) >> 1; // 0-based rank of the (lower) middle deviation
  let lo = Math.max(0, k + 1 - nu);
  let hi = Math.min(k + 1, nl);
  for (;;) {
    const i = (lo + hi) >> 1; // deviations taken from the lower run among the k + 1 smallest
    const j = k + 1 - i; //      …and from the upper run
    const lLeft = i > 0 ? center - sorted[p - i]! : Number.NEGATIVE_INFINITY;
    const lRight = i < nl ? center - sorted[p - 1 - i]! : Number.POSITIVE_INFINITY;
    const uLeft = j > 0 ? sorted[p + j - 1]! - center : Number.NEGATIVE_INFINITY;
    const uRight = j < nu ? sorted[p + j]! - center : Number.POSITIVE_INFINITY;
    if (lLeft > uRight) hi = i - 1;
    else if (uLeft > lRight) lo = i + 1;
    else {
      const kth = Math.max(lLeft, uLeft);
      return n & 1 ? kth : (kth + Math.min(lRight, uRight)) / 2;
    }
  }
}

/** Median and MAD of the first `n` values of an ascending array. O(log n). */
export function robustSummarySorted(sorted: ArrayLike<number>, n: number = sorted.length): RobustSummary {
  const median = medianSorted(sorted, n);
  return { n, median, mad: madSorted(sorted, n, median) };
}

/** Median of values in any order (`NaN` when empty). O(n); copies. */
export function median(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : ssMedian([...values]);
}

/** MAD of values in any order, around their median (`NaN` when empty). O(n); copies. */
export function mad(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : ssMad([...values]);
}

/**
 * Robust z-score of `x`: (x − median) / (MAD × scale). With a MAD of 0: +∞ above the median, −∞
 * below, 0 at it (see the module note).
 */
export function robustZ(x: number, center: number, madValue: number, scale: number = MAD_SCALE): number {
  const d = x - center;
  if (madValue > 0) return d / (madValue * scale);
  return d > 0 ? Number.POSITIVE_INFINITY : d < 0 ? Number.NEGATIVE_INFINITY : 0;
}
