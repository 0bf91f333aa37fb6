/**
 * `price.outlier` (价格离群): a line whose unit price `pric` is more than `zThreshold` robust
 * z-scores above the regional baseline of its code — median and MAD × 1.4826 of ln price over the
 * last 500 prices of the same `med_list_codg` in the same `admdvs`, at least `minBaseline` of them
 * (`pipeline/state/price-baselines.ts`, as of this settlement by the ordering rule) — and more than
 * `ratioThreshold` × the baseline's median price. Both conditions must hold: the z-score says the
 * price is unusual for how much the region's prices vary, the ratio that the difference matters.
 *
 * A MAD of 0 (at least half of the baseline at exactly one price, typical of 集采 drugs) makes the
 * z-score +∞ above the median: then the ratio alone decides. The score is the smaller of
 * z / `zThreshold` and ratio / `ratioThreshold` (≥ 1 when it fires; finite). The amount at risk is
 * the excess over the median on the whole line: (pric − median) × cnt. The median price is
 * exp(median ln price). Severity is `severity`, or `high` from `highRatio` × the median up.
 *
 * `record()` adds every priced line (pric > 0) of every sale to the shared baselines; refunds add
 * nothing and do not rewind them (contract).
 */
import { robustZ } from '../../models/robust-stats.js';
import type { Severity } from '../contracts/alert.js';
import { sharedPriceBaselines } from '../state/price-baselines.js';
import { defineDetector, yuan, type Finding } from './detector.js';

export interface PriceOutlierOptions {
  /** Robust z-score of ln price (MAD × 1.4826) a price must exceed. @default 3.5 */
  zThreshold: number;
  /** Multiple of the baseline's median price a price must exceed. @default 1.5 */
  ratioThreshold: number;
  /** Fewest prices a baseline must hold to be used. @default 30 */
  minBaseline: number;
  /** @default "medium" — an unusual price is a lead for review, not yet a breach. */
  severity: Severity;
  /** Ratio to the median from which the finding is `high`. @default 5 */
  highRatio: number;
}

/** Rounds to `digits` decimals (evidence figures). */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Yuan for a message: to the cent, or to 0.0001 under 0.10 (per-tablet prices). */
export function formatPrice(yuanValue: number): string {
  return yuanValue >= 0.1 ? yuanValue.toFixed(2) : yuanValue.toFixed(4);
}

/** Far below a cent: absorbs binary rounding of ratioThreshold × median, never a real price step. */
const EPSILON_YUAN = 1e-9;

export const priceOutlier = defineDetector<PriceOutlierOptions>({
  kind: 'price.outlier',
  description: 'Unit price more than 3.5 robust z-scores (ln price) and 1.5 × the median above the last 500 prices of the code in the region.',
  defaults: { zThreshold: 3.5, ratioThreshold: 1.5, minBaseline: 30, severity: 'medium', highRatio: 5 },
  create(options, deps) {
    const baselines = sharedPriceBaselines(deps);
    return {
      kind: 'price.outlier',
      lookbackMs: baselines.lookbackMs,
      check({ settlement, facts, seq }) {
        const findings: Finding[] = [];
        const view = baselines.asOf({ seq, setlId: settlement.setl_id, timeMs: facts.eventMs });
        for (const { item, entry } of facts.items) {
          if (!(item.pric > 0)) continue;
          const base = view.stats(item.med_list_codg, settlement.admdvs);
          if (!base || base.count < options.minBaseline) continue;
          if (!(item.pric - options.ratioThreshold * base.medianPrice > EPSILON_YUAN)) continue;
          const z = robustZ(Math.log(item.pric), base.medianLn, base.madLn);
          if (!(z > options.zThreshold)) continue;
          const ratio = item.pric / base.medianPrice;
          const name = entry?.name ?? item.med_list_codg;
          const zText = Number.isFinite(z) ? `稳健 Z 值 ${z.toFixed(1)}` : '基线价格无离散，稳健 Z 值为无穷大';
          findings.push({
            key: item.feedetl_sn,
            severity: ratio >= options.highRatio ? 'high' : options.severity,
            score: Math.min(z / options.zThreshold, ratio / options.ratioThreshold),
            amountAtRisk: yuan((item.pric - base.medianPrice) * item.cnt),
            item,
            evidence: {
              rule: '价格离群',
              item_name: name,
              pric: item.pric,
              regional_median: round(base.medianPrice, 4),
              ratio: round(ratio, 4),
              robust_z: Number.isFinite(z) ? round(z, 4) : null,
              mad_ln: round(base.madLn, 6),
              baseline_count: base.count,
              z_threshold: options.zThreshold,
              ratio_threshold: options.ratioThreshold,
              admdvs: settlement.admdvs,
              cnt: item.cnt,
            },
            message: `「${name}」单价 ${formatPrice(item.pric)} 元，为本地区近 ${base.count} 笔中位价 ${formatPrice(base.medianPrice)} 元的 ${ratio.toFixed(ratio < 10 ? 2 : 1)} 倍（${zText}）。`,
          });
        }
        return findings;
      },
      record({ settlement, facts, seq }) {
        baselines.record(settlement, facts.eventMs, seq);
      },
      evict(watermarkMs) {
        baselines.evictBefore(watermarkMs - baselines.lookbackMs);
      },
      stateSize: () => baselines.size(),
    };
  },
});
