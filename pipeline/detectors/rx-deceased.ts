/**
 * `rx.deceased` (冒用死亡人员): a settlement for a person whose notified `death_date` is before the
 * local date of `setl_time` (both `YYYY-MM-DD`, compared as dates). A settlement on the day of death
 * itself is not flagged (care on the last day is real care). One finding per settlement (key `''`).
 *
 * Reads person status (`deps.persons`), never settlement history: a death notified after a
 * settlement was checked does not reach back to it (that is the after-the-event batch screen's job).
 * `amount_at_risk` is `medfee_sumamt`: the whole settlement is in doubt when the person is dead,
 * and it is the amount every other kind counts (`fund_pay_sumamt`, optional in the input, is in the
 * evidence when present).
 */
import type { Severity } from '../contracts/alert.js';
import { DAY_MS } from '../time/event-time.js';
import { defineDetector, type Finding } from './detector.js';

export interface DeceasedOptions {
  /** @default "high" — a dead person's card used is impersonation or a recording error, both to stop. */
  severity: Severity;
}

/** Days from one `YYYY-MM-DD` to another. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export const rxDeceased = defineDetector<DeceasedOptions>({
  kind: 'rx.deceased',
  description: 'Settlement for a person whose notified death_date is before the local date of setl_time.',
  defaults: { severity: 'high' },
  create(options, deps) {
    return {
      kind: 'rx.deceased',
      check({ settlement, facts }) {
        const deathDate = deps.persons.deathDate(settlement.psn_no);
        if (deathDate === undefined || !(deathDate < facts.localDate)) return [];
        const days = daysBetween(deathDate, facts.localDate);
        const finding: Finding = {
          key: '',
          severity: options.severity,
          score: 1,
          amountAtRisk: settlement.medfee_sumamt,
          evidence: {
            rule: '冒用死亡人员',
            death_date: deathDate,
            settlement_date: facts.localDate,
            days_after_death: days,
            medfee_sumamt: settlement.medfee_sumamt,
            ...(settlement.fund_pay_sumamt !== undefined ? { fund_pay_sumamt: settlement.fund_pay_sumamt } : {}),
          },
          message: `参保人已于 ${deathDate} 死亡，${days} 天后（${facts.localDate}）仍以其身份结算，医疗费总额 ${settlement.medfee_sumamt.toFixed(2)} 元。`,
        };
        return [finding];
      },
    };
  },
});
