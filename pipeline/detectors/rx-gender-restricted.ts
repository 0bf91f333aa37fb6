/**
 * `rx.gender_restricted` (限性别): an item whose catalogue `sex` is `"1"` (men only) or `"2"`
 * (women only) billed to a person of the other sex. Unknown sex (`"0"`, `"9"`, absent) never fires.
 */
import { defineDetector, type Finding } from './detector.js';

const SEX_NAME = { '1': '男性', '2': '女性' } as const;

export interface GenderRestrictedOptions {
  /** @default "high" — a sex-restricted item billed to the other sex is rarely an honest error. */
  severity: 'low' | 'medium' | 'high';
}

export const rxGenderRestricted = defineDetector<GenderRestrictedOptions>({
  kind: 'rx.gender_restricted',
  description: 'Item restricted to one sex (catalogue `sex`) billed to a person of the other sex; unknown sex never fires.',
  defaults: { severity: 'high' },
  create(options) {
    return {
      kind: 'rx.gender_restricted',
      check({ settlement, facts }) {
        const gend = settlement.gend;
        if (gend !== '1' && gend !== '2') return [];
        const findings: Finding[] = [];
        for (const { item, entry } of facts.items) {
          const allowed = entry?.sex;
          if (!allowed || allowed === gend) continue;
          findings.push({
            key: item.feedetl_sn,
            severity: options.severity,
            score: 1,
            amountAtRisk: item.det_item_fee_sumamt,
            item,
            evidence: {
              rule: '限性别',
              item_name: entry.name,
              allowed_sex: allowed,
              person_sex: gend,
              catalogue_source: entry.source,
            },
            message: `${SEX_NAME[gend]}参保人结算了限${SEX_NAME[allowed]}使用的项目「${entry.name}」（${item.med_list_codg}），金额 ${item.det_item_fee_sumamt.toFixed(2)} 元。`,
          });
        }
        return findings;
      },
    };
  },
});
