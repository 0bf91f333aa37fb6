/**
 * `rx.frequent_visits` (频繁就医): at an outpatient or pharmacy settlement (`med_type` not 2x) at
 * `setl_time` t, the person's visible outpatient and pharmacy settlements with `setl_time` in
 * (t − `windowDays`, t], plus this one, number `minVisits` or more. Every settlement counts (two
 * settlements of one visit are two); inpatient stays and refunds are not visits, and a refunded
 * settlement no longer counts. Each settlement from the `minVisits`-th on fires again (key `''`).
 * Amount at risk: this settlement's `medfee_sumamt` (the one that is past the threshold).
 *
 * State: the shared person history (`pipeline/state/person-history.ts`), visits.
 */
import type { Severity } from '../contracts/alert.js';
import { visibleAt } from '../state/history.js';
import { localIsoTime, sharedPersonHistory } from '../state/person-history.js';
import { DAY_MS } from '../time/event-time.js';
import { defineDetector, type Finding } from './detector.js';

export interface FrequentVisitsOptions {
  /** Settlements in the window (this one included) that fire. @default 13 */
  minVisits: number;
  /** The window back from the settlement's own `setl_time`, days. @default 30 */
  windowDays: number;
  /** How late (event time behind the newest settlement) a settlement may arrive and still be counted exactly, days. @default 7 */
  allowedLatenessDays: number;
  /** @default "medium" — frequent visits select a person for review; chronic care can be legitimate. */
  severity: Severity;
}

/** Earlier settlements named in the evidence, most recent first. */
const EVIDENCE_SETL_IDS = 30;

export const rxFrequentVisits = defineDetector<FrequentVisitsOptions>({
  kind: 'rx.frequent_visits',
  description: "A person's minVisits-th (or later) outpatient or pharmacy settlement within windowDays.",
  defaults: { minVisits: 13, windowDays: 30, allowedLatenessDays: 7, severity: 'medium' },
  create(options, deps) {
    const persons = sharedPersonHistory(deps);
    const windowMs = options.windowDays * DAY_MS;
    const lookbackMs = windowMs + options.allowedLatenessDays * DAY_MS;
    persons.use({ visitsMs: lookbackMs });

    return {
      kind: 'rx.frequent_visits',
      lookbackMs,
      check({ settlement: s, facts, seq }) {
        if (facts.inpatient) return [];
        const t = facts.eventMs;
        const from = t - windowMs;
        const inWindow = persons.visits.get(s.psn_no).filter((v) => v.timeMs > from && v.timeMs <= t && visibleAt(v, seq, s.setl_id));
        const count = inWindow.length + 1;
        if (count < options.minVisits) return [];
        const facilities = new Set([s.fixmedins_code, ...inWindow.map((v) => v.facility)]).size;
        const earlier = inWindow.sort((a, b) => b.timeMs - a.timeMs || a.seq - b.seq).slice(0, EVIDENCE_SETL_IDS);
        const finding: Finding = {
          key: '',
          severity: options.severity,
          score: count / options.minVisits,
          amountAtRisk: s.medfee_sumamt,
          evidence: {
            rule: '频繁就医',
            visit_count: count,
            min_visits: options.minVisits,
            window_days: options.windowDays,
            window_start: localIsoTime(from),
            facility_count: facilities,
            earlier_setl_ids: earlier.map((v) => v.setlId),
            ...(inWindow.length > earlier.length ? { earlier_setl_ids_omitted: inWindow.length - earlier.length } : {}),
          },
          message: `参保人 ${options.windowDays} 天内第 ${count} 次门诊或购药结算（含本次，涉及 ${facilities} 家机构），达到频繁就医阈值 ${options.minVisits} 次。`,
        };
        return [finding];
      },
      record: (ctx) => persons.record(ctx),
      evict: (watermarkMs) => persons.evict(watermarkMs),
      /** The visits of the shared person history (`rx.inpatient_overlap` reports them with the stays). */
      stateSize: () => persons.visits.size(),
    };
  },
});
