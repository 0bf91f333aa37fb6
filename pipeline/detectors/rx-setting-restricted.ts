/**
 * `rx.setting_restricted` (限住院使用): an item whose catalogue `inpatient_only` is true billed on a
 * settlement that is not inpatient (`med_type` not 2x: outpatient, chronic outpatient, pharmacy).
 */
import type { Severity } from '../contracts/alert.js';
import { defineDetector, type Finding } from './detector.js';

export interface SettingRestrictedOptions {
  /**
   * @default "medium" — the item is outside the payment scope of the setting; whether it was a
   * billing slip or a deliberate shift from the ward is for the reviewer.
   */
  severity: Severity;
}

export const rxSettingRestricted = defineDetector<SettingRestrictedOptions>({
  kind: 'rx.setting_restricted',
  description: 'Item whose catalogue inpatient_only is true billed on a settlement that is not inpatient (med_type not 2x).',
  defaults: { severity: 'medium' },
  create(options) {
    return {
      kind: 'rx.setting_restricted',
      check({ settlement, facts }) {
        if (facts.inpatient) return [];
        const findings: Finding[] = [];
        for (const { item, entry } of facts.items) {
          if (entry?.inpatient_only !== true) continue;
          findings.push({
            key: item.feedetl_sn,
            severity: options.severity,
            score: 1,
            amountAtRisk: item.det_item_fee_sumamt,
            item,
            evidence: {
              rule: '限住院使用',
              item_name: entry.name,
              med_type: settlement.med_type,
              inpatient: false,
              catalogue_source: entry.source,
            },
            message: `限住院使用的「${entry.name}」（${item.med_list_codg}）在非住院结算（医疗类别 ${settlement.med_type}）中收费，金额 ${item.det_item_fee_sumamt.toFixed(2)} 元。`,
          });
        }
        return findings;
      },
    };
  },
});
