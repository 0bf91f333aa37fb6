/**
 * The robust statistics of the price baselines: the O(1)/O(log n) sorted-array forms agree with
 * simple-statistics on values in any order, including ties, tiny samples and a MAD of 0.
 */
import { median as ssMedian, medianAbsoluteDeviation as ssMad } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { lowerBound, MAD_SCALE, mad, madSorted, median, medianSorted, robustSummarySorted, robustZ } from '../models/robust-stats.js';
import { rng } from './support/random.js';


const ascending = (values: readonly number[]) => Float64Array.from(values).sort();

describe('medianSorted and madSorted', () => {
  it('small hand-checked samples', () => {
    expect(medianSorted([5])).toBe(5);
    expect(madSorted([5])).toBe(0);
    expect(medianSorted([1, 3])).toBe(2);
    expect(madSorted([1, 3])).toBe(1);
    expect(medianSorted([1, 2, 3, 4, 100])).toBe(3);
    expect(madSorted([1, 2, 3, 4, 100])).toBe(1); // deviations 2 1 0 1 97
    expect(medianSorted([1, 1, 2, 2, 4, 6, 9])).toBe(2);
    expect(madSorted([1, 1, 2, 2, 4, 6, 9])).toBe(1); // deviations 1 1 0 0 2 4 7
  });

  it('NaN on an empty sample', () => {
    expect(medianSorted([])).toBeNaN();
    expect(madSorted([])).toBeNaN();
    expect(median([])).toBeNaN();
    expect(mad([])).toBeNaN();
  });

  it('reads only the first n values', () => {
    const buffer = new Float64Array([1, 2, 3, 1000, 1000]);
    expect(medianSorted(buffer, 3)).toBe(2);
    expect(madSorted(buffer, 3)).toBe(1);
  });

  it('agrees with simple-statistics on 2,000 random samples (sizes 1–600, ties, outliers)', () => {
    const next = rng(20261117);
    for (let round = 0; round < 2000; round++) {
      const n = 1 + Math.floor(next() * 600);
      const ties = next() < 0.3;
      const values = Array.from({ length: n }, () => {
        const v = ties ? Math.round(next() * 5) : Math.log(2.86) + (next() - 0.5) * 0.1;
        return next() < 0.05 ? v + 10 * next() : v;
      });
      const sorted = ascending(values);
      expect(medianSorted(sorted)).toBeCloseTo(ssMedian(values), 12);
      expect(madSorted(sorted)).toBeCloseTo(ssMad(values), 12);
      expect(median(values)).toBe(ssMedian(values));
      expect(mad(values)).toBe(ssMad(values));
      const s = robustSummarySorted(sorted);
      expect(s.n).toBe(n);
      expect(s.mad).toBe(madSorted(sorted));
    }
  });

  it('a MAD of 0 when more than half of the values are equal', () => {
    const sorted = ascending([2.86, 2.86, 2.86, 2.86, 2.86, 2.5, 3.1, 9]);
    expect(medianSorted(sorted)).toBe(2.86);
    expect(madSorted(sorted)).toBe(0);
  });

  it('lowerBound finds the first value ≥ x', () => {
    const a = [1, 2, 2, 2, 5];
    expect(lowerBound(a, 5, 2)).toBe(1);
    expect(lowerBound(a, 5, 0)).toBe(0);
    expect(lowerBound(a, 5, 3)).toBe(4);
    expect(lowerBound(a, 5, 6)).toBe(5);
  });
});

describe('robustZ', () => {
  it('scales the MAD by 1.4826', () => {
    expect(MAD_SCALE).toBe(1.4826);
    expect(robustZ(3, 1, 1)).toBeCloseTo(2 / 1.4826, 12);
    expect(robustZ(-1, 1, 2)).toBeCloseTo(-2 / (2 * 1.4826), 12);
    expect(robustZ(3, 1, 1, 1)).toBe(2);
  });

  it('MAD 0: +∞ above the median, −∞ below, 0 at it', () => {
    expect(robustZ(1.1, 1, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(robustZ(0.9, 1, 0)).toBe(Number.NEGATIVE_INFINITY);
    expect(robustZ(1, 1, 0)).toBe(0);
  });
});
