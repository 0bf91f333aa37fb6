/**
 * Regional price baselines: per (`med_list_codg`, `admdvs`), the last `windowSize` unit prices
 * settled, each with the stream sequence and event time of its settlement. `price.outlier` and
 * `price.facility_markup` read the same baselines: one instance per {@link DetectorDeps}
 * ({@link sharedPriceBaselines}), fed by both detectors' `record()` (adding is idempotent).
 *
 * The as-of view of a check of settlement (`seq`, `setlId`, event time `t`) — the ordering rule of
 * `history.ts` applied to a rolling window:
 *   visible = entries with a sequence < `seq`, of another settlement, and less than `horizonMs`
 *             older than `t` (entries later in event time but earlier in the stream count: the
 *             baseline is the region's price level as the stream knew it, not a pairwise window);
 *   baseline = the last `windowSize` visible entries by sequence.
 * Statistics are on ln price: median, MAD (`models/robust-stats.ts`); the median price is
 * exp(median ln price) (for an even count, the geometric mean of the two middle prices).
 *
 * Layout and cost. Per key, a circular buffer in sequence order (sequence, event time and ln price
 * interleaved in one number array; the settlement and `feedetl_sn` of each line alongside) keeps
 * the window plus `slack` older entries, so a message redelivered after up to `slack` later prices
 * of its key still gets its exact view; beyond that, the oldest by sequence are dropped. The
 * window's ln prices are also kept sorted (binary-search insert and remove, one memmove each). A
 * check whose view is the whole window — the stream's normal case: every entry earlier in the
 * stream, none of its own settlement, none past the horizon — reads median and MAD from the sorted
 * window in O(log n), allocation-free; any other view (a redelivery, a republished copy, entries
 * past the horizon not yet evicted) is gathered from the buffer and sorted. The settlements present
 * are indexed by `setl_id` (one shared record per settlement): that makes adding idempotent per
 * (`setl_id`, `feedetl_sn`) and tells a check whether its own settlement is in the buffers.
 * Measured (Node 20, 1,000 keys with full windows): ~0.2 µs per priced line checked, ~2 µs per
 * line added (memory-bound); ~80 bytes per price held all-in at 4 priced lines per settlement.
 * Refunds do not rewind baselines (contract: "price baselines need not be rewound").
 */
import { lowerBound, madSorted, medianSorted } from '../../models/robust-stats.js';
import type { Settlement } from '../contracts/settlement.js';
import type { DetectorDeps } from '../detectors/detector.js';
import { DAY_MS } from '../time/event-time.js';
import type { HistorySize } from './history.js';

export interface PriceBaselineOptions {
  /** Prices a baseline holds: the last `windowSize` of its key. @default 500 */
  windowSize: number;
  /** Older prices kept per key beyond the window, for the exact view of redelivered messages. @default 300 */
  slack: number;
  /** Prices this much older than the checked settlement's `setl_time` are ignored. @default 180 days */
  horizonMs: number;
}

export const PRICE_BASELINE_DEFAULTS: Readonly<PriceBaselineOptions> = Object.freeze({
  windowSize: 500,
  slack: 300,
  horizonMs: 180 * DAY_MS,
});

/** How late (event time behind the watermark) a settlement may arrive and still get its full baseline. */
export const ALLOWED_LATENESS_MS = 7 * DAY_MS;

/** Where a check stands: the settlement's stream sequence (+∞ for drafts), id and event time. */
export interface AsOf {
  readonly seq: number;
  readonly setlId: string;
  readonly timeMs: number;
}

/** A baseline as seen by one check. */
export interface BaselineStats {
  /** Prices in the baseline (at most `windowSize`). */
  readonly count: number;
  readonly medianLn: number;
  /** MAD of ln price, unscaled. */
  readonly madLn: number;
  /** exp(medianLn), yuan. */
  readonly medianPrice: number;
}

/** The baselines as of one check. Valid until the next change to the store. */
export interface BaselineView {
  stats(code: string, admdvs: string): BaselineStats | undefined;
}

/** One price line to fold in. */
export interface PriceEntry {
  readonly seq: number;
  readonly setlId: string;
  readonly feedetlSn: string;
  readonly timeMs: number;
  /** Yuan per unit; lines priced 0 are not prices and are ignored. */
  readonly pric: number;
}

/** A settlement with prices in the rings: shared by its lines, so comparing settlements is comparing pointers. */
class Ref {
  /** Entries of this settlement held in any ring. */
  entries = 0;
  constructor(
    readonly setlId: string,
    /** Sequence it was first recorded at. */
    readonly seq: number,
  ) {}
}

/** Numbers per entry in a series: sequence, event time (ms), ln price. */
const STRIDE = 3;
const NO_REF = new Ref('', Number.NaN);

/**
 * The prices of one (code, admdvs): a circular buffer in sequence order (exact-size arrays that
 * double while the key is young, up to window + slack), and the window's ln prices sorted.
 */
class Series {
  #cap = 2;
  #nums: number[] = new Array<number>(2 * STRIDE).fill(0.5);
  #refs: Ref[] = new Array<Ref>(2).fill(NO_REF);
  #sns: string[] = new Array<string>(2).fill('');
  #head = 0;
  #len = 0;
  /** ln prices of the window (the last `windowSize` entries), ascending. */
  sorted: number[] = [];
  #sortedFull = false;
  /** At most the least event time in the window (exact after a rescan; removals leave it low). */
  windowMinMs = Number.POSITIVE_INFINITY;
  /** At most the least event time in the ring. */
  ringMinMs = Number.POSITIVE_INFINITY;
  /** The view that computed `memo` (views number themselves; 0 is none). */
  memoView = 0;
  memo: BaselineStats | undefined;

  get length(): number {
    return this.#len;
  }

  #at(i: number): number {
    const p = this.#head + i;
    return p >= this.#cap ? p - this.#cap : p;
  }

  seqAt(i: number): number {
    return this.#nums[this.#at(i) * STRIDE]!;
  }

  timeAt(i: number): number {
    return this.#nums[this.#at(i) * STRIDE + 1]!;
  }

  lnAt(i: number): number {
    return this.#nums[this.#at(i) * STRIDE + 2]!;
  }

  refAt(i: number): Ref {
    return this.#refs[this.#at(i)]!;
  }

  /**
   * Copies into `buf` the ln prices of the newest entries (at most `buf.length`) with a sequence
   * below `seq`, an event time after `lowMs` and another settlement than `own`; returns how many.
   */
  gather(buf: Float64Array, seq: number, lowMs: number, own: Ref | undefined): number {
    const nums = this.#nums;
    let n = 0;
    for (let i = this.#len - 1; i >= 0 && n < buf.length; i--) {
      const p = this.#at(i);
      const k = p * STRIDE;
      if (nums[k]! < seq && nums[k + 1]! > lowMs && this.#refs[p] !== own) buf[n++] = nums[k + 2]!;
    }
    return n;
  }

  /** Adds ln price `v` to the sorted window; `windowSize` is the window's full size. */
  insertSorted(v: number, windowSize: number): void {
    this.sorted.splice(lowerBound(this.sorted, this.sorted.length, v), 0, v);
    if (!this.#sortedFull && this.sorted.length === windowSize) {
      this.sorted = this.sorted.slice(); // once full, the window never grows: drop the growth slack
      this.#sortedFull = true;
    }
  }

  removeSorted(v: number): void {
    this.sorted.splice(lowerBound(this.sorted, this.sorted.length, v), 1);
  }

  /** True when the ring holds line `sn` of `ref` (searching only its first sequence when `sameSeq`). */
  holds(ref: Ref, sn: string, sameSeq: boolean): boolean {
    const n = this.#len;
    let i = 0;
    if (sameSeq) {
      let hi = n;
      while (i < hi) {
        const mid = (i + hi) >> 1;
        if (this.seqAt(mid) < ref.seq) i = mid + 1;
        else hi = mid;
      }
    }
    for (; i < n; i++) {
      if (sameSeq && this.seqAt(i) !== ref.seq) break;
      const p = this.#at(i);
      if (this.#refs[p] === ref && this.#sns[p] === sn) return true;
    }
    return false;
  }

  /** Inserts an entry at logical position `pos`, growing the buffers up to `maxLen`. */
  insert(pos: number, seq: number, timeMs: number, ln: number, ref: Ref, sn: string, maxLen: number): void {
    if (this.#len === this.#cap) this.#resize(Math.min(maxLen, this.#cap * 2));
    for (let i = this.#len; i > pos; i--) this.#move(this.#at(i - 1), this.#at(i)); // rare: out of order
    const p = this.#at(pos);
    this.#nums[p * STRIDE] = seq;
    this.#nums[p * STRIDE + 1] = timeMs;
    this.#nums[p * STRIDE + 2] = ln;
    this.#refs[p] = ref;
    this.#sns[p] = sn;
    this.#len += 1;
  }

  #move(from: number, to: number): void {
    for (let j = 0; j < STRIDE; j++) this.#nums[to * STRIDE + j] = this.#nums[from * STRIDE + j]!;
    this.#refs[to] = this.#refs[from]!;
    this.#sns[to] = this.#sns[from]!;
  }

  /** Copies the entries, oldest first, into buffers of `cap` entries. */
  #resize(cap: number): void {
    const nums = new Array<number>(cap * STRIDE).fill(0.5);
    const refs = new Array<Ref>(cap).fill(NO_REF);
    const sns = new Array<string>(cap).fill('');
    for (let i = 0; i < this.#len; i++) {
      const p = this.#at(i);
      for (let j = 0; j < STRIDE; j++) nums[i * STRIDE + j] = this.#nums[p * STRIDE + j]!;
      refs[i] = this.#refs[p]!;
      sns[i] = this.#sns[p]!;
    }
    this.#nums = nums;
    this.#refs = refs;
    this.#sns = sns;
    this.#cap = cap;
    this.#head = 0;
  }

  /** Drops the oldest entry and returns its settlement. */
  dropOldest(): Ref {
    const p = this.#head;
    const ref = this.#refs[p]!;
    this.#refs[p] = NO_REF;
    this.#head = p + 1 === this.#cap ? 0 : p + 1;
    this.#len -= 1;
    return ref;
  }

  /**
   * Keeps the entries `keep` accepts (`drop` is told the others), in exact-size buffers, and
   * rebuilds the sorted window and the time bounds.
   */
  retain(keep: (timeMs: number) => boolean, drop: (ref: Ref) => void, windowSize: number): void {
    const kept: number[] = [];
    for (let i = 0; i < this.#len; i++) {
      if (keep(this.timeAt(i))) kept.push(this.#at(i));
      else drop(this.refAt(i));
    }
    const old = { nums: this.#nums, refs: this.#refs, sns: this.#sns };
    const cap = Math.max(2, kept.length);
    this.#nums = new Array<number>(cap * STRIDE).fill(0.5);
    this.#refs = new Array<Ref>(cap).fill(NO_REF);
    this.#sns = new Array<string>(cap).fill('');
    kept.forEach((p, i) => {
      for (let j = 0; j < STRIDE; j++) this.#nums[i * STRIDE + j] = old.nums[p * STRIDE + j]!;
      this.#refs[i] = old.refs[p]!;
      this.#sns[i] = old.sns[p]!;
    });
    this.#cap = cap;
    this.#head = 0;
    this.#len = kept.length;
    const from = Math.max(0, this.#len - windowSize);
    this.sorted = [];
    this.windowMinMs = Number.POSITIVE_INFINITY;
    this.ringMinMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.#len; i++) {
      const t = this.timeAt(i);
      if (t < this.ringMinMs) this.ringMinMs = t;
      if (i < from) continue;
      this.sorted.push(this.lnAt(i));
      if (t < this.windowMinMs) this.windowMinMs = t;
    }
    this.sorted.sort((a, b) => a - b);
    this.#sortedFull = this.sorted.length === windowSize;
  }
}

export class PriceBaselines {
  readonly options: Readonly<PriceBaselineOptions>;
  /** admdvs → med_list_codg → series. */
  readonly #regions = new Map<string, Map<string, Series>>();
  /** Settlements with entries in some ring. */
  readonly #refs = new Map<string, Ref>();
  #keys = 0;
  #entries = 0;
  /** Bumped by every change: a view is valid for one version. */
  #version = 0;
  #views = 0;
  #evictedBefore = Number.NEGATIVE_INFINITY;
  #view: View | undefined;
  #lastRecord: { seq: number; setlId: string; version: number; stats: readonly (BaselineStats | undefined)[] } | undefined;
  /** Gather buffer of the slow path. */
  readonly #scratch: Float64Array;

  constructor(options: Partial<PriceBaselineOptions> = {}) {
    this.options = Object.freeze({ ...PRICE_BASELINE_DEFAULTS, ...options });
    this.#scratch = new Float64Array(this.options.windowSize);
  }

  /** Event-time lookback state needs: the horizon plus the allowed lateness. */
  get lookbackMs(): number {
    return this.options.horizonMs + ALLOWED_LATENESS_MS;
  }

  /**
   * Adds one price unless line (`setlId`, `feedetlSn`) is already in this key's ring. Returns
   * whether it was added.
   */
  add(code: string, admdvs: string, e: PriceEntry): boolean {
    if (!(e.pric > 0)) return false;
    const ref = this.#refs.get(e.setlId);
    return this.#add(code, admdvs, ref ?? new Ref(e.setlId, e.seq), ref !== undefined, e.feedetlSn, e.seq, e.timeMs, e.pric);
  }

  #add(code: string, admdvs: string, ref: Ref, known: boolean, sn: string, seq: number, timeMs: number, pric: number): boolean {
    const { windowSize, slack } = this.options;
    let region = this.#regions.get(admdvs);
    if (!region) this.#regions.set(admdvs, (region = new Map()));
    let s = region.get(code);
    if (!s) {
      region.set(code, (s = new Series()));
      this.#keys += 1;
    } else if (known && s.holds(ref, sn, ref.seq === seq)) return false;

    const ln = Math.log(pric);
    const len = s.length;
    let pos = len;
    while (pos > 0 && s.seqAt(pos - 1) > seq) pos -= 1; // usually appended: the stream is in order
    // The window is the last `windowSize` entries: a newcomer inside it pushes the oldest out.
    if (len < windowSize || pos > len - windowSize) {
      if (len >= windowSize) s.removeSorted(s.lnAt(len - windowSize));
      s.insertSorted(ln, windowSize);
      if (timeMs < s.windowMinMs) s.windowMinMs = timeMs;
    }
    // Past window + slack the oldest by sequence goes (a newcomer older than all of them at once).
    if (len === windowSize + slack) {
      if (pos === 0) return true;
      this.#release(s.dropOldest());
      this.#entries -= 1;
      pos -= 1;
    }
    if (timeMs < s.ringMinMs) s.ringMinMs = timeMs;
    s.insert(pos, seq, timeMs, ln, ref, sn, windowSize + slack);
    if (ref.entries++ === 0) this.#refs.set(ref.setlId, ref);
    this.#entries += 1;
    this.#version += 1;
    return true;
  }

  #release(ref: Ref): void {
    if (--ref.entries === 0) this.#refs.delete(ref.setlId);
  }

  /**
   * Folds in every priced line of a sale (a refund adds nothing) and returns, per line, the
   * baseline as of this settlement — read before its own prices went in, which is what the
   * ordering rule shows its check. Calling it again for the same settlement (the other price
   * detector's `record`) adds nothing and returns the same array. `withStats` false (a rebuild warming the
   * baselines only) skips the statistics and returns an empty array.
   */
  record(settlement: Settlement, timeMs: number, seq: number, withStats = true): readonly (BaselineStats | undefined)[] {
    const last = this.#lastRecord;
    if (last && last.version === this.#version && last.seq === seq && last.setlId === settlement.setl_id) return last.stats;
    let stats: (BaselineStats | undefined)[] = [];
    if (settlement.setl_type !== 'refund') {
      if (withStats) {
        const view = this.asOf({ seq, setlId: settlement.setl_id, timeMs });
        stats = settlement.items.map((it) => (it.pric > 0 ? view.stats(it.med_list_codg, settlement.admdvs) : undefined));
      }
      const known = this.#refs.get(settlement.setl_id);
      const ref = known ?? new Ref(settlement.setl_id, seq);
      for (const it of settlement.items) {
        if (it.pric > 0) this.#add(it.med_list_codg, settlement.admdvs, ref, known !== undefined, it.feedetl_sn, seq, timeMs, it.pric);
      }
    }
    if (withStats) this.#lastRecord = { seq, setlId: settlement.setl_id, version: this.#version, stats };
    return stats;
  }

  /** The baselines as the check at `at` sees them. Reading never changes what any check sees. */
  asOf(at: AsOf): BaselineView {
    const cached = this.#view;
    if (cached && cached.version === this.#version && cached.seq === at.seq && cached.setlId === at.setlId && cached.timeMs === at.timeMs) {
      return cached;
    }
    const view = new View(this.#lookup, ++this.#views, this.#version, at, at.timeMs - this.options.horizonMs, this.#refs.get(at.setlId));
    this.#view = view;
    return view;
  }

  /** Statistics of `code` in `admdvs` for a view (memoized per series for the latest view). */
  readonly #lookup = (view: View, code: string, admdvs: string): BaselineStats | undefined => this.#statsFor(view, code, admdvs);

  #statsFor(view: View, code: string, admdvs: string): BaselineStats | undefined {
    const s = this.#regions.get(admdvs)?.get(code);
    if (!s) return undefined;
    if (view.version !== this.#version) throw new Error('price baseline view used after the baselines changed');
    if (s.memoView === view.id) return s.memo;
    s.memoView = view.id;
    return (s.memo = this.#stats(s, view));
  }

  #stats(s: Series, v: View): BaselineStats | undefined {
    const len = s.length;
    if (len === 0) return undefined;
    // Fast path: the view is the whole window.
    if (s.seqAt(len - 1) < v.seq && v.own === undefined && (s.windowMinMs > v.lowMs || this.#rescanWindowMin(s) > v.lowMs)) {
      return summarize(s.sorted, s.sorted.length);
    }
    const buf = this.#scratch;
    const n = s.gather(buf, v.seq, v.lowMs, v.own);
    if (n === 0) return undefined;
    return summarize(buf.subarray(0, n).sort(), n);
  }

  /** Tightens the window's least event time (a cache: no check sees a difference). */
  #rescanWindowMin(s: Series): number {
    let min = Number.POSITIVE_INFINITY;
    for (let i = Math.max(0, s.length - this.options.windowSize); i < s.length; i++) min = Math.min(min, s.timeAt(i));
    s.windowMinMs = min;
    return min;
  }

  /** Drops prices with an event time before `ms`, and keys left empty. */
  evictBefore(ms: number): void {
    if (ms <= this.#evictedBefore) return; // both price detectors evict the same store
    this.#evictedBefore = ms;
    for (const [admdvs, region] of this.#regions) {
      for (const [code, s] of region) {
        if (s.ringMinMs >= ms) continue;
        const before = s.length;
        s.retain((t) => t >= ms, (ref) => this.#release(ref), this.options.windowSize);
        this.#entries -= before - s.length;
        if (s.length === 0) {
          region.delete(code);
          this.#keys -= 1;
        }
      }
      if (region.size === 0) this.#regions.delete(admdvs);
    }
    this.#version += 1;
  }

  size(): HistorySize {
    return { keys: this.#keys, entries: this.#entries };
  }
}

/** One check's view: valid while the store is unchanged (a view used after a change throws). */
class View implements BaselineView {
  readonly seq: number;
  readonly setlId: string;
  readonly timeMs: number;
  constructor(
    private readonly lookup: (view: View, code: string, admdvs: string) => BaselineStats | undefined,
    readonly id: number,
    readonly version: number,
    at: AsOf,
    /** Visible entries are later in event time than this: `timeMs` − the horizon. */
    readonly lowMs: number,
    /** The checked settlement, when it has entries in the buffers (a redelivery, a republished copy). */
    readonly own: Ref | undefined,
  ) {
    this.seq = at.seq;
    this.setlId = at.setlId;
    this.timeMs = at.timeMs;
  }

  stats(code: string, admdvs: string): BaselineStats | undefined {
    return this.lookup(this, code, admdvs);
  }
}

function summarize(sorted: ArrayLike<number>, n: number): BaselineStats {
  const medianLn = medianSorted(sorted, n);
  return { count: n, medianLn, madLn: madSorted(sorted, n, medianLn), medianPrice: Math.exp(medianLn) };
}

const shared = new WeakMap<DetectorDeps, PriceBaselines>();

/**
 * The one baseline store of a set of detectors: the registry creates every detector with the
 * same `deps`, so both price kinds share it, and a fresh `deps` (a test, a replay) starts empty.
 */
export function sharedPriceBaselines(deps: DetectorDeps): PriceBaselines {
  let baselines = shared.get(deps);
  if (!baselines) shared.set(deps, (baselines = new PriceBaselines()));
  return baselines;
}
