/**
 * `price.above_ceiling` (超支付标准 / 挂网价): an item whose unit price `pric` exceeds its catalogue
 * `price_ceiling` by more than `tolerance` (a price of exactly ceiling × (1 + tolerance) passes).
 * The amount at risk is the excess over the ceiling on the whole line: (pric − ceiling) × cnt.
 */
import type { Severity } from '../contracts/alert.js';
import { defineDetector, yuan, type Finding } from './detector.js';

export interface PriceAboveCeilingOptions {
  /** Fraction above `price_ceiling` that is still accepted (rounding, packaging). @default 0.01 */
  tolerance: number;
  /**
   * @default "medium" — charging above the paid standard is a clear breach, but the catalogue's
   * ceiling may lag a regional price change; the excess is usually small.
   */
  severity: Severity;
}

/** Far below a cent: absorbs binary rounding of ceiling × (1 + tolerance), never a real price step. */
const EPSILON_YUAN = 1e-9;

export const priceAboveCeiling = defineDetector<PriceAboveCeilingOptions>({
  kind: 'price.above_ceiling',
  description: 'Item unit price above the catalogue price_ceiling by more than tolerance (default 1 %).',
  defaults: { tolerance: 0.01, severity: 'medium' },
  create(options) {
    return {
      kind: 'price.above_ceiling',
      check({ facts }) {
        const findings: Finding[] = [];
        for (const { item, entry } of facts.items) {
          const ceiling = entry?.price_ceiling;
          if (!entry || ceiling === undefined) continue;
          const limit = ceiling * (1 + options.tolerance);
          if (!(item.pric - limit > EPSILON_YUAN)) continue;
          const ratio = item.pric / ceiling;
          const excess = yuan((item.pric - ceiling) * item.cnt);
          findings.push({
            key: item.feedetl_sn,
            severity: options.severity,
            score: ratio,
            amountAtRisk: excess,
            item,
            evidence: {
              rule: '超支付标准',
              item_name: entry.name,
              price_ceiling: ceiling,
              pric: item.pric,
              ratio: Math.round(ratio * 1e4) / 1e4,
              tolerance: options.tolerance,
              cnt: item.cnt,
              catalogue_source: entry.source,
            },
            message: `「${entry.name}」（${item.med_list_codg}）单价 ${item.pric.toFixed(2)} 元，高于支付标准 ${ceiling.toFixed(2)} 元 ${((ratio - 1) * 100).toFixed(1)}%，超出金额 ${excess.toFixed(2)} 元。`,
          });
        }
        return findings;
      },
    };
  },
});
