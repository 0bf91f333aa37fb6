/**
 * `rx.days_exceeded` (超量开药): an item whose `prd_days` exceeds its catalogue `max_days`, or
 * `max_days_chronic` when `med_type` is `"14"` (门诊慢特病; an entry without `max_days_chronic`
 * falls back to `max_days`). Exactly the limit does not fire; a line without `prd_days` is not
 * checked. The amount at risk is the fee share of the excess days.
 */
import type { Severity } from '../contracts/alert.js';
import { isChronicOutpatient } from '../contracts/settlement.js';
import { defineDetector, yuan, type Finding } from './detector.js';

export interface DaysExceededOptions {
  /**
   * @default "medium" — over-supply is a payment-scope breach and a resale risk, but long
   * prescriptions are often clinically justified; a reviewer decides.
   */
  severity: Severity;
}

export const rxDaysExceeded = defineDetector<DaysExceededOptions>({
  kind: 'rx.days_exceeded',
  description: 'Item prd_days above catalogue max_days (max_days_chronic for med_type "14", falling back to max_days).',
  defaults: { severity: 'medium' },
  create(options) {
    return {
      kind: 'rx.days_exceeded',
      check({ settlement, facts }) {
        const chronic = isChronicOutpatient(settlement.med_type);
        const findings: Finding[] = [];
        for (const { item, entry } of facts.items) {
          const days = item.prd_days;
          if (!entry || days === undefined) continue;
          const useChronic = chronic && entry.max_days_chronic !== undefined;
          const limit = useChronic ? entry.max_days_chronic : entry.max_days;
          if (limit === undefined || days <= limit) continue;
          const excess = days - limit;
          findings.push({
            key: item.feedetl_sn,
            severity: options.severity,
            score: days / limit,
            amountAtRisk: yuan((item.det_item_fee_sumamt * excess) / days),
            item,
            evidence: {
              rule: '超量开药',
              item_name: entry.name,
              prd_days: days,
              limit_days: limit,
              limit_field: useChronic ? 'max_days_chronic' : 'max_days',
              med_type: settlement.med_type,
              excess_days: excess,
              item_fee: item.det_item_fee_sumamt,
              catalogue_source: entry.source,
            },
            message: `「${entry.name}」${chronic ? '门诊慢特病' : ''}开药 ${days} 天，超过限定的 ${limit} 天。`,
          });
        }
        return findings;
      },
    };
  },
});
