/**
 * The simulator's mirror of the regional price baselines that `price.outlier` and
 * `price.facility_markup` read (`pipeline/state/price-baselines.ts`, contract `alerts.md`): per
 * (`med_list_codg`, region), the ln unit prices of the last {@link BASELINE.window} sales, in the
 * order the simulator emits them (refunds add nothing). With it the generator knows, when it builds
 * a price case, exactly what the detectors will see: how many prices the baseline holds, its median
 * and MAD — so it labels an outlier only when the line is one, and never lets the over-charging
 * hospital's ordinary lines fire by accident.
 *
 * Memory: one ring (ln price and event time) and one sorted copy of at most 500 prices per (code,
 * region) that has been sold, grown on demand (most keys hold a handful). Cost per priced line: one
 * binary-search insert and remove. Statistics are read only for the lines of price cases, in
 * O(log n) — or, when the window reaches back past the baselines' 180-day horizon (long spans,
 * rarely sold codes), by gathering and sorting the prices still inside it, as the detectors do.
 */
import { lowerBound, MAD_SCALE, madSorted, medianSorted } from '../../models/robust-stats.js';

/** Defaults of the price rules (`alerts.md`). */
export const BASELINE = {
  /** Prices a baseline holds. */
  window: 500,
  /** Least prices before a baseline is used. */
  minCount: 30,
  /** price.outlier: robust z of ln price above the median. */
  outlierZ: 3.5,
  /** price.outlier: and more than this × the median price. */
  outlierRatio: 1.5,
  /** price.facility_markup: the facility's median ratio to the regional medians that fires. */
  markupRatio: 1.3,
  /** price.facility_markup: least priced items (with a baseline) it is judged over. */
  markupItems: 50,
  /** Prices (and mark-up ratios) this much older than the settlement are ignored. */
  horizonMs: 180 * 86_400_000,
} as const;

/** Late uploads are at most this much earlier than what was emitted before them. */
const LATENESS_MS = 7 * 86_400_000;

export interface BaselineStats {
  readonly count: number;
  readonly medianLn: number;
  /** MAD of ln price, unscaled. */
  readonly madLn: number;
  /** exp(medianLn), fen. */
  readonly medianFen: number;
}

class Series {
  /** ln prices in arrival order (a ring once full), and their event times. */
  ring = new Float64Array(4);
  times = new Float64Array(4);
  sorted = new Float64Array(4);
  len = 0;
  head = 0;

  push(v: number, timeMs: number, cap: number): void {
    if (this.len === this.ring.length && this.len < cap) {
      const size = Math.min(cap, this.ring.length * 2);
      const ring = new Float64Array(size);
      ring.set(this.ring);
      this.ring = ring;
      const times = new Float64Array(size);
      times.set(this.times);
      this.times = times;
      const sorted = new Float64Array(size);
      sorted.set(this.sorted);
      this.sorted = sorted;
    }
    if (this.len === cap) {
      const old = this.ring[this.head] as number;
      this.ring[this.head] = v;
      this.times[this.head] = timeMs;
      this.head = (this.head + 1) % cap;
      const at = lowerBound(this.sorted, this.len, old);
      this.sorted.copyWithin(at, at + 1, this.len);
      this.len -= 1;
    } else {
      this.ring[this.len] = v;
      this.times[this.len] = timeMs;
    }
    const pos = lowerBound(this.sorted, this.len, v);
    this.sorted.copyWithin(pos + 1, pos, this.len);
    this.sorted[pos] = v;
    this.len += 1;
  }

  /** Event time of the oldest entry (by arrival). */
  oldestMs(): number {
    return this.times[this.len < this.ring.length ? 0 : this.head] as number;
  }
}

export class PriceLedger {
  readonly #regions: Map<string, Series>[] = [];
  readonly #ready: string[][] = [];
  #keys = 0;

  /** Codes whose baseline in the region holds enough prices to be used (in the order they got there). */
  ready(region: number): readonly string[] {
    return this.#ready[region] ?? [];
  }

  #series(code: string, region: number): Series | undefined {
    return this.#regions[region]?.get(code);
  }

  /**
   * The baseline of a code in a region as the check of a settlement at `atMs` sees it next
   * (undefined: no price within the horizon).
   */
  stats(code: string, region: number, atMs: number): BaselineStats | undefined {
    const s = this.#series(code, region);
    if (!s || s.len === 0) return undefined;
    const lowMs = atMs - BASELINE.horizonMs;
    if (s.oldestMs() - LATENESS_MS > lowMs) return summarize(s.sorted, s.len);
    const inside: number[] = [];
    for (let i = 0; i < s.len; i++) if ((s.times[i] as number) > lowMs) inside.push(s.ring[i] as number);
    return inside.length ? summarize(Float64Array.from(inside).sort(), inside.length) : undefined;
  }

  /** How many prices the baseline holds (0 when none). */
  count(code: string, region: number): number {
    return this.#series(code, region)?.len ?? 0;
  }

  /** Folds one priced line of a sale in (in emission order; refunds are not recorded). */
  add(code: string, region: number, pricFen: number, timeMs: number): void {
    if (!(pricFen > 0)) return;
    let byCode = this.#regions[region];
    if (!byCode) this.#regions[region] = byCode = new Map();
    let s = byCode.get(code);
    if (!s) {
      byCode.set(code, (s = new Series()));
      this.#keys += 1;
    }
    s.push(Math.log(pricFen / 100), timeMs, BASELINE.window);
    if (s.len === BASELINE.minCount) (this.#ready[region] ??= []).push(code);
  }

  /** Keys (code × region) with at least one price. */
  get keys(): number {
    return this.#keys;
  }
}

function summarize(sorted: Float64Array, n: number): BaselineStats {
  const medianLn = medianSorted(sorted, n);
  return { count: n, medianLn, madLn: madSorted(sorted, n, medianLn), medianFen: Math.exp(medianLn) * 100 };
}

/** Robust z of a price against a baseline (+∞ above a MAD of 0, as `models/robust-stats.ts`). */
export function robustZ(pricFen: number, b: BaselineStats): number {
  const d = Math.log(pricFen / 100) - b.medianLn;
  if (b.madLn > 0) return d / (b.madLn * MAD_SCALE);
  return d > 0 ? Number.POSITIVE_INFINITY : d < 0 ? Number.NEGATIVE_INFINITY : 0;
}

/**
 * The simulator's mirror of `price.facility_markup` for the over-charging hospital (background
 * facilities never come near it: prices.ts `PRICE_BAND`). Its last {@link BASELINE.markupItems}
 * ratios of price to regional median (items whose baseline was usable when billed), and the local
 * day it last fired.
 */
export class MarkupMirror {
  readonly #ratios: number[] = [];
  readonly #times: number[] = [];
  #firedDay: string | undefined;

  /**
   * Would a settlement at `atMs` with these counted ratios (line order) tip it on `day`?
   * `'borderline'` when the window's median is too close to the threshold to trust a reading.
   */
  verdict(current: readonly number[], day: string, atMs: number): 'yes' | 'no' | 'borderline' {
    if (current.length === 0 || day === this.#firedDay) return 'no';
    const window: number[] = [];
    const lowMs = atMs - BASELINE.horizonMs;
    for (let i = current.length - 1; i >= 0 && window.length < BASELINE.markupItems; i--) window.push(current[i] as number);
    for (let i = this.#ratios.length - 1; i >= 0 && window.length < BASELINE.markupItems; i--) if ((this.#times[i] as number) > lowMs) window.push(this.#ratios[i] as number);
    if (window.length < BASELINE.markupItems) return 'no';
    window.sort((a, b) => a - b);
    const n = window.length;
    const median = n & 1 ? (window[n >> 1] as number) : ((window[(n >> 1) - 1] as number) + (window[n >> 1] as number)) / 2;
    if (Math.abs(median - BASELINE.markupRatio) < 0.01) return 'borderline';
    return median > BASELINE.markupRatio ? 'yes' : 'no';
  }

  /** Folds an emitted settlement of the facility (at `atMs`) in. */
  record(current: readonly number[], day: string, fired: boolean, atMs: number): void {
    if (fired) this.#firedDay = day;
    for (const r of current) {
      this.#ratios.push(r);
      this.#times.push(atMs);
    }
    const excess = this.#ratios.length - BASELINE.markupItems;
    if (excess > 0) {
      this.#ratios.splice(0, excess);
      this.#times.splice(0, excess);
    }
  }
}

/** What `price.outlier` makes of a price against a baseline. */
export function isOutlier(pricFen: number, b: BaselineStats | undefined): boolean {
  return b !== undefined && b.count >= BASELINE.minCount && robustZ(pricFen, b) > BASELINE.outlierZ && pricFen / 100 > BASELINE.outlierRatio * (b.medianFen / 100);
}

/**
 * A price case the detectors read the same whatever rounding they use: clearly an outlier (z ≥ 5
 * and ≥ 1.6 × the median) or clearly not (below 1.45 × the median, or no usable baseline).
 */
export function outlierVerdict(pricFen: number, b: BaselineStats | undefined): 'yes' | 'no' | 'borderline' {
  if (!b || b.count < BASELINE.minCount) return 'no';
  const ratio = pricFen / b.medianFen;
  if (ratio < 1.45) return 'no';
  return ratio >= 1.6 && robustZ(pricFen, b) >= 5 ? 'yes' : 'borderline';
}
