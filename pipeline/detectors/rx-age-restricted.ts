/**
 * `rx.age_restricted` (限年龄, 限儿童): an item billed to a person whose completed age (周岁) at the
 * local date of `setl_time` lies outside the item's catalogue `age_min`–`age_max` (both inclusive).
 * An age that cannot be computed (an impossible `brdy`) never fires.
 */
import type { Severity } from '../contracts/alert.js';
import { defineDetector, type Finding } from './detector.js';

export interface AgeRestrictedOptions {
  /**
   * @default "medium" — a clear breach of the payment scope, but often an honest prescribing
   * choice (a paediatric formulation for an adult), so it goes to review rather than blocking.
   */
  severity: Severity;
}

/** 「限 14 周岁及以下」「限 16–60 周岁」「限 16 周岁及以上」. */
function allowedAges(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min}–${max} 周岁`;
  if (max !== undefined) return `${max} 周岁及以下`;
  return `${String(min)} 周岁及以上`;
}

export const rxAgeRestricted = defineDetector<AgeRestrictedOptions>({
  kind: 'rx.age_restricted',
  description: 'Item billed to a person whose completed age at setl_time is outside the catalogue age_min–age_max (inclusive).',
  defaults: { severity: 'medium' },
  create(options) {
    return {
      kind: 'rx.age_restricted',
      check({ facts }) {
        const age = facts.ageYears;
        if (!Number.isFinite(age)) return [];
        const findings: Finding[] = [];
        for (const { item, entry } of facts.items) {
          if (!entry) continue;
          const min = entry.age_min;
          const max = entry.age_max;
          // Score: (age + 1) against (bound + 1), past 1 beyond the bound and defined for a bound of 0.
          let score: number;
          if (max !== undefined && age > max) score = (age + 1) / (max + 1);
          else if (min !== undefined && age < min) score = (min + 1) / (age + 1);
          else continue;
          findings.push({
            key: item.feedetl_sn,
            severity: options.severity,
            score,
            amountAtRisk: item.det_item_fee_sumamt,
            item,
            evidence: {
              rule: '限年龄',
              item_name: entry.name,
              age_min: min,
              age_max: max,
              person_age: age,
              settlement_date: facts.localDate,
              catalogue_source: entry.source,
            },
            message: `「${entry.name}」（${item.med_list_codg}）限 ${allowedAges(min, max)}使用，参保人结算时 ${age} 周岁，金额 ${item.det_item_fee_sumamt.toFixed(2)} 元。`,
          });
        }
        return findings;
      },
    };
  },
});
