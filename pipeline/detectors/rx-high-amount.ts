/**
 * `rx.high_amount` (大额费用, for review): a settlement whose `medfee_sumamt` reaches the threshold of
 * its setting — `outpatientYuan` for outpatient and pharmacy (every `med_type` that is not 2x),
 * `inpatientYuan` for inpatient. The threshold itself fires (≥). One finding per settlement.
 */
import type { Severity } from '../contracts/alert.js';
import { defineDetector, type Finding } from './detector.js';

export interface HighAmountOptions {
  /** Threshold for outpatient and pharmacy settlements, yuan. @default 4000 */
  outpatientYuan: number;
  /** Threshold for inpatient settlements (`med_type` 2x), yuan. @default 40000 */
  inpatientYuan: number;
  /** @default "low" — a large amount is not a fault in itself; it only selects claims for review. */
  severity: Severity;
}

/** 医疗类别 in words, for the message. */
function settingName(medType: string, inpatient: boolean): string {
  if (inpatient) return '住院';
  if (medType === '41') return '药店购药';
  if (medType === '14') return '门诊慢特病';
  return '门诊';
}

export const rxHighAmount = defineDetector<HighAmountOptions>({
  kind: 'rx.high_amount',
  description: 'Settlement medfee_sumamt at or above outpatientYuan (outpatient, pharmacy) or inpatientYuan (inpatient), for review.',
  defaults: { outpatientYuan: 4000, inpatientYuan: 40000, severity: 'low' },
  create(options) {
    return {
      kind: 'rx.high_amount',
      check({ settlement, facts }) {
        const threshold = facts.inpatient ? options.inpatientYuan : options.outpatientYuan;
        const amount = settlement.medfee_sumamt;
        if (!(amount >= threshold)) return [];
        const setting = settingName(settlement.med_type, facts.inpatient);
        const finding: Finding = {
          key: '',
          severity: options.severity,
          score: amount / threshold,
          amountAtRisk: amount,
          evidence: {
            rule: '大额费用',
            medfee_sumamt: amount,
            threshold_yuan: threshold,
            threshold_option: facts.inpatient ? 'inpatientYuan' : 'outpatientYuan',
            med_type: settlement.med_type,
            item_count: settlement.items.length,
          },
          message: `${setting}结算医疗费总额 ${amount.toFixed(2)} 元，达到大额费用审核阈值 ${threshold.toFixed(2)} 元。`,
        };
        return [finding];
      },
    };
  },
});
