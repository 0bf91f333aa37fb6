/**
 * `rx.indication_mismatch` (限定支付范围 / 适应症不符): an item with catalogue `indications` (ICD-10
 * code prefixes) billed on a settlement none of whose diagnoses starts with one of them. Codes and
 * prefixes are compared case-insensitively and without dots (`E11` matches `E11.900`, `J10.1`
 * matches `J10.100`). A settlement without diagnoses fires: nothing supports the indication.
 */
import type { Severity } from '../contracts/alert.js';
import { defineDetector, type Finding } from './detector.js';

export interface IndicationMismatchOptions {
  /**
   * @default "medium" — the diagnosis list of a settlement is often incomplete, so a mismatch is
   * a question for the reviewer rather than proof of misuse.
   */
  severity: Severity;
}

/** `e11.9` → `E119`: what an ICD-10 code or prefix is compared by. */
function icdKey(code: string): string {
  return code.trim().toUpperCase().replaceAll('.', '');
}

export const rxIndicationMismatch = defineDetector<IndicationMismatchOptions>({
  kind: 'rx.indication_mismatch',
  description: 'Item with catalogue indications (ICD-10 prefixes) billed on a settlement with no matching diagnosis (or none at all).',
  defaults: { severity: 'medium' },
  create(options) {
    return {
      kind: 'rx.indication_mismatch',
      check({ settlement, facts }) {
        const diagCodes = (settlement.diag ?? []).map((d) => d.diag_code);
        const diagKeys = diagCodes.map(icdKey);
        const findings: Finding[] = [];
        for (const { item, entry } of facts.items) {
          const indications = entry?.indications;
          if (!entry || !indications?.length) continue;
          const prefixes = indications.map(icdKey).filter((p) => p !== '');
          if (diagKeys.some((d) => prefixes.some((p) => d.startsWith(p)))) continue;
          const diagText = diagCodes.length ? `本次结算的诊断（${diagCodes.join('、')}）均不相符` : '本次结算没有诊断';
          findings.push({
            key: item.feedetl_sn,
            severity: options.severity,
            score: 1,
            amountAtRisk: item.det_item_fee_sumamt,
            item,
            evidence: {
              rule: '适应症不符',
              item_name: entry.name,
              indications,
              diag_codes: diagCodes,
              catalogue_source: entry.source,
            },
            message: `「${entry.name}」（${item.med_list_codg}）限 ${indications.join('、')} 诊断支付，${diagText}，金额 ${item.det_item_fee_sumamt.toFixed(2)} 元。`,
          });
        }
        return findings;
      },
    };
  },
});
