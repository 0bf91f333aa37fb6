/**
 * `price.facility_markup` (系统性加价): a facility whose last `windowItems` priced items cost, at
 * the median, more than `ratioThreshold` × the regional median of each item. The regional median
 * is the `price.outlier` baseline (same code, same `admdvs`, last 500 prices) as of the settlement
 * that billed the item; an item whose baseline holds fewer than `minBaseline` prices does not
 * count. Per-item mark-ups too small for `price.outlier` (under 1.5 ×) add up here.
 *
 * At a settlement: its counted items, in line order, join the facility's earlier ones (ordering
 * rule: recorded by smaller sequences, of other settlements, less than the baseline horizon older
 * than this `setl_time`); the last `windowItems` of them are the window. It fires when the window
 * holds at least `minItems` and its median ratio exceeds `ratioThreshold` — on a settlement with at
 * least one counted item (one that adds nothing to the window cannot tip it), at most once per
 * facility per local day of `setl_time`: the day mark is state, set by `record()` on the settlement
 * that tipped it and visible by the ordering rule. Key `${fixmedins_code}:${localDate}`.
 *
 * Amount at risk: over this settlement's counted lines, the sum of (pric − regional median) × cnt
 * where positive — the mark-up billed on the settlement that tipped it; earlier settlements' excess
 * is in their own records. Refunds rewind neither the ratios nor the baselines (contract: "price
 * baselines need not be rewound"); a refunded item stays evidence of the facility's pricing.
 */
import type { Severity } from '../contracts/alert.js';
import type { SettlementItem } from '../contracts/settlement.js';
import { medianSorted } from '../../models/robust-stats.js';
import { sharedPriceBaselines, type BaselineStats } from '../state/price-baselines.js';
import type { HistorySize } from '../state/history.js';
import { defineDetector, yuan, type DetectorContext, type Finding } from './detector.js';
import { formatPrice, round } from './price-outlier.js';

export interface PriceFacilityMarkupOptions {
  /** Median ratio of pric to the regional median that a facility's window must exceed. @default 1.3 */
  ratioThreshold: number;
  /** The facility's last priced items that form the window. @default 50 */
  windowItems: number;
  /** Fewest counted items in the window to judge it. @default 50 */
  minItems: number;
  /** Fewest prices an item's regional baseline must hold for the item to count. @default 30 */
  minBaseline: number;
  /** @default "medium" — systematic mark-up is a pattern for inspection, not one item's breach. */
  severity: Severity;
}

/** Older ratios kept per facility beyond the window, for the exact view of redelivered messages. */
const RATIO_SLACK = 50;
/** Example items in the evidence: the most marked-up line of each code, highest first. */
const EXAMPLES = 3;
const EPSILON = 1e-9;

/** One counted line of the settlement at hand. */
interface Counted {
  readonly item: SettlementItem;
  readonly name: string;
  readonly median: number;
  readonly ratio: number;
}

/** A facility's ratios in sequence order (parallel arrays). */
interface Ratios {
  seqs: number[];
  times: number[];
  ratios: number[];
  setlIds: string[];
}

/** The window of a settlement that tips its facility. */
interface Tipped {
  readonly median: number;
  readonly items: number;
}

interface DayMark {
  seq: number;
  setlId: string;
  timeMs: number;
}

export const priceFacilityMarkup = defineDetector<PriceFacilityMarkupOptions>({
  kind: 'price.facility_markup',
  description: "A facility's median ratio of pric to the regional median over its last 50 priced items above 1.3; once per facility per day.",
  defaults: { ratioThreshold: 1.3, windowItems: 50, minItems: 50, minBaseline: 30, severity: 'medium' },
  create(options, deps) {
    const baselines = sharedPriceBaselines(deps);
    const horizonMs = baselines.options.horizonMs;
    const facilities = new Map<string, Ratios>();
    const marks = new Map<string, DayMark>();
    const scratch = new Float64Array(options.windowItems);
    let entries = 0;
    /** Bumped by every change to the ratios or day marks. */
    let version = 0;
    /** The last check's result, reused by the record of the same settlement (state unchanged since). */
    let lastCheck: { seq: number; setlId: string; version: number; current: Counted[]; tipped: Tipped | undefined } | undefined;

    function counted(ctx: DetectorContext, statsOf: (index: number) => BaselineStats | undefined): Counted[] {
      const out: Counted[] = [];
      ctx.facts.items.forEach(({ item, entry }, index) => {
        if (!(item.pric > 0)) return;
        const base = statsOf(index);
        if (!base || base.count < options.minBaseline) return;
        out.push({ item, name: entry?.name ?? item.med_list_codg, median: base.medianPrice, ratio: item.pric / base.medianPrice });
      });
      return out;
    }

    /** The window's median ratio and size when the settlement tips the facility, else undefined. */
    function decide({ settlement, facts, seq }: DetectorContext, current: readonly Counted[]): Tipped | undefined {
      if (current.length === 0) return undefined;
      const mark = marks.get(`${settlement.fixmedins_code}:${facts.localDate}`);
      if (mark && mark.seq < seq && mark.setlId !== settlement.setl_id) return undefined;
      let n = 0;
      for (let i = current.length - 1; i >= 0 && n < scratch.length; i--) scratch[n++] = current[i]!.ratio;
      const prior = facilities.get(settlement.fixmedins_code);
      if (prior) {
        const lowMs = facts.eventMs - horizonMs;
        for (let i = prior.seqs.length - 1; i >= 0 && n < scratch.length; i--) {
          if (prior.seqs[i]! < seq && prior.times[i]! > lowMs && prior.setlIds[i] !== settlement.setl_id) scratch[n++] = prior.ratios[i]!;
        }
      }
      if (n < options.minItems) return undefined;
      for (let i = 1; i < n; i++) {
        // insertion sort: a window of ~50, mostly in order already
        const v = scratch[i]!;
        let j = i - 1;
        for (; j >= 0 && scratch[j]! > v; j--) scratch[j + 1] = scratch[j]!;
        scratch[j + 1] = v;
      }
      const median = medianSorted(scratch, n);
      return median - options.ratioThreshold > EPSILON ? { median, items: n } : undefined;
    }

    return {
      kind: 'price.facility_markup',
      // A ratio in the window was computed against the baselines of its own time, which reach a
      // further horizon back: a rebuild replays both spans (the older one into the baselines only).
      lookbackMs: baselines.lookbackMs + baselines.options.horizonMs,
      check(ctx) {
        const { settlement, facts, seq } = ctx;
        const view = baselines.asOf({ seq, setlId: settlement.setl_id, timeMs: facts.eventMs });
        const current = counted(ctx, (i) => view.stats(settlement.items[i]!.med_list_codg, settlement.admdvs));
        const tipped = decide(ctx, current);
        lastCheck = { seq, setlId: settlement.setl_id, version, current, tipped };
        if (!tipped) return [];
        // The most marked-up line of each code, the highest ratios first.
        const byCode = new Map<string, Counted>();
        for (const c of current) {
          const best = byCode.get(c.item.med_list_codg);
          if (!best || c.ratio > best.ratio) byCode.set(c.item.med_list_codg, c);
        }
        const examples = [...byCode.values()].sort((a, b) => b.ratio - a.ratio).slice(0, EXAMPLES);
        const top = examples[0]!;
        const atRisk = current.reduce((sum, c) => sum + Math.max(0, (c.item.pric - c.median) * c.item.cnt), 0);
        const finding: Finding = {
          key: `${settlement.fixmedins_code}:${facts.localDate}`,
          severity: options.severity,
          score: tipped.median / options.ratioThreshold,
          amountAtRisk: yuan(atRisk),
          evidence: {
            rule: '系统性加价',
            median_ratio: round(tipped.median, 4),
            items: tipped.items,
            ratio_threshold: options.ratioThreshold,
            window_items: options.windowItems,
            min_items: options.minItems,
            min_baseline: options.minBaseline,
            local_date: facts.localDate,
            items_on_settlement: current.length,
            examples: examples.map((c) => ({
              med_list_codg: c.item.med_list_codg,
              item_name: c.name,
              pric: c.item.pric,
              regional_median: round(c.median, 4),
              ratio: round(c.ratio, 4),
            })),
          },
          message: `该机构最近 ${tipped.items} 个计价项目单价与本地区中位价之比的中位数为 ${tipped.median.toFixed(2)}，超过 ${options.ratioThreshold}（如「${top.name}」单价 ${formatPrice(top.item.pric)} 元，本地区中位价 ${formatPrice(top.median)} 元）。`,
        };
        return [finding];
      },
      record(ctx) {
        const { settlement, facts, seq } = ctx;
        if (ctx.latestMs !== undefined && facts.eventMs < ctx.latestMs - baselines.lookbackMs) {
          // Rebuild, older than the ratio window: only the prices matter (for later ratios).
          baselines.record(settlement, facts.eventMs, seq, false);
          return;
        }
        const stats = baselines.record(settlement, facts.eventMs, seq);
        if (facts.isRefund) return;
        const checked = lastCheck && lastCheck.version === version && lastCheck.seq === seq && lastCheck.setlId === settlement.setl_id ? lastCheck : undefined;
        const current = checked ? checked.current : counted(ctx, (i) => stats[i]);
        if (checked ? checked.tipped : decide(ctx, current)) {
          const key = `${settlement.fixmedins_code}:${facts.localDate}`;
          const mark = marks.get(key);
          if (!mark || mark.seq > seq) marks.set(key, { seq, setlId: settlement.setl_id, timeMs: facts.eventMs });
          version += 1;
        }
        if (current.length === 0) return;
        let r = facilities.get(settlement.fixmedins_code);
        if (!r) facilities.set(settlement.fixmedins_code, (r = { seqs: [], times: [], ratios: [], setlIds: [] }));
        if (r.setlIds.includes(settlement.setl_id)) return; // recorded before (idempotent)
        let pos = r.seqs.length;
        while (pos > 0 && r.seqs[pos - 1]! > seq) pos -= 1;
        r.seqs.splice(pos, 0, ...current.map(() => seq));
        r.times.splice(pos, 0, ...current.map(() => facts.eventMs));
        r.ratios.splice(pos, 0, ...current.map((c) => c.ratio));
        r.setlIds.splice(pos, 0, ...current.map(() => settlement.setl_id));
        entries += current.length;
        version += 1;
        const excess = r.seqs.length - (options.windowItems + RATIO_SLACK);
        if (excess > 0) {
          for (const a of [r.seqs, r.times, r.ratios, r.setlIds]) a.splice(0, excess);
          entries -= excess;
        }
      },
      evict(watermarkMs) {
        const cutoff = watermarkMs - baselines.lookbackMs;
        baselines.evictBefore(cutoff);
        for (const [code, r] of facilities) {
          const keep = r.times.map((t) => t >= cutoff);
          if (keep.every(Boolean)) continue;
          r.seqs = r.seqs.filter((_, i) => keep[i]);
          r.ratios = r.ratios.filter((_, i) => keep[i]);
          r.setlIds = r.setlIds.filter((_, i) => keep[i]);
          r.times = r.times.filter((_, i) => keep[i]);
          entries -= keep.length - r.seqs.length;
          if (r.seqs.length === 0) facilities.delete(code);
        }
        for (const [key, mark] of marks) if (mark.timeMs < cutoff) marks.delete(key);
        version += 1;
      },
      stateSize: (): HistorySize => ({ keys: facilities.size, entries: entries + marks.size }),
    };
  },
});
