/**
 * `rx.inpatient_overlap` (住院期间门诊/购药): an outpatient or pharmacy settlement (`med_type` not
 * 2x) whose `setl_time` lies inside [`begntime`, `endtime`] of an inpatient stay of the same person
 * at another facility. Inpatient settlements arrive at discharge, so the pair fires on whichever of
 * the two arrives second:
 *   - an outpatient or pharmacy settlement checks the person's visible stays (one finding per stay);
 *   - a stay checks the person's visible outpatient and pharmacy settlements (one finding per
 *     settlement inside it).
 * The key is the other settlement's `setl_id`. The same facility never fires (its own outpatient
 * department during the stay is its business, not a double claim). Refunded settlements no longer
 * count.
 *
 * Severity: a pharmacy purchase (`med_type` `"41"` or a retail pharmacy) during a stay elsewhere is
 * `pharmacySeverity` (an inpatient's drugs come from the ward: the classic sign of a card lent out
 * or a bed held while absent); another outpatient visit is `severity` (a consultation elsewhere can be
 * legitimate). Amount at risk: the outpatient or pharmacy settlement's `medfee_sumamt`, whichever
 * side arrived second.
 *
 * Bound: a stay is checked over its last `maxStayDays` days (before `endtime`), in both orders of
 * arrival, so that no result depends on how much history eviction has kept.
 * State: the shared person history (`pipeline/state/person-history.ts`), visits and stays.
 */
import type { Severity } from '../contracts/alert.js';
import type { Settlement } from '../contracts/settlement.js';
import { visibleAt } from '../state/history.js';
import { isPharmacy, localIsoTime, localMinute, sharedPersonHistory, stayInterval } from '../state/person-history.js';
import { DAY_MS, localDate } from '../time/event-time.js';
import { defineDetector, type Finding } from './detector.js';

export interface InpatientOverlapOptions {
  /**
   * A stay longer than this is checked over its last `maxStayDays` days only; sets how long visits
   * are kept (this plus the lateness), days. @default 60 — long stays are rare, and visits are most
   * of the state: 90 would keep about 45 % more of them.
   */
  maxStayDays: number;
  /** How late (event time behind the newest settlement) a settlement may arrive and still be paired exactly, days. @default 7 */
  allowedLatenessDays: number;
  /** Severity for an outpatient visit during a stay elsewhere. @default "medium" */
  severity: Severity;
  /** Severity for a pharmacy purchase during a stay elsewhere. @default "high" */
  pharmacySeverity: Severity;
}

interface Pair {
  readonly stay: { setlId: string; facility: string; begMs: number; endMs: number };
  readonly visit: { setlId: string; facility: string; timeMs: number; pharmacy: boolean; feeFen: number };
}

function finding(pair: Pair, otherSetlId: string, visitArrived: boolean, options: Readonly<InpatientOverlapOptions>): Finding {
  const { stay, visit } = pair;
  const what = visit.pharmacy ? '购药' : '门诊';
  const fee = (visit.feeFen / 100).toFixed(2);
  const span = `${localDate(stay.begMs)} 至 ${localDate(stay.endMs)}`;
  return {
    key: otherSetlId,
    severity: visit.pharmacy ? options.pharmacySeverity : options.severity,
    score: 1,
    amountAtRisk: visit.feeFen / 100,
    evidence: {
      rule: '住院期间门诊/购药',
      visit_setl_id: visit.setlId,
      visit_type: visit.pharmacy ? 'pharmacy' : 'outpatient',
      visit_facility: visit.facility,
      visit_time: localIsoTime(visit.timeMs),
      stay_setl_id: stay.setlId,
      stay_facility: stay.facility,
      stay_begin: localIsoTime(stay.begMs),
      stay_end: localIsoTime(stay.endMs),
    },
    message: visitArrived
      ? `本次${what}结算（${localMinute(visit.timeMs)}）发生在参保人于其他机构 ${stay.facility} 住院期间（住院结算 ${stay.setlId}，${span}），金额 ${fee} 元。`
      : `本次住院（${span}）期间，参保人在其他机构 ${visit.facility} 有${what}结算 ${visit.setlId}（${localMinute(visit.timeMs)}），金额 ${fee} 元。`,
  };
}

export const rxInpatientOverlap = defineDetector<InpatientOverlapOptions>({
  kind: 'rx.inpatient_overlap',
  description: 'Outpatient or pharmacy settlement inside an inpatient stay of the same person at another facility, whichever arrives second.',
  defaults: { maxStayDays: 60, allowedLatenessDays: 7, severity: 'medium', pharmacySeverity: 'high' },
  create(options, deps) {
    const persons = sharedPersonHistory(deps);
    const maxStayMs = options.maxStayDays * DAY_MS;
    const latenessMs = options.allowedLatenessDays * DAY_MS;
    // A stay arriving reads visits back to its last maxStayDays; a visit arriving reads stays ending after it.
    persons.use({ visitsMs: maxStayMs + latenessMs, staysMs: latenessMs });
    /** Where a stay starts being checked: admission, or maxStayDays before discharge. */
    const checkedFrom = (begMs: number, endMs: number) => Math.max(begMs, endMs - maxStayMs);
    const visitOf = (s: Settlement, timeMs: number) => ({
      setlId: s.setl_id,
      facility: s.fixmedins_code,
      timeMs,
      pharmacy: isPharmacy(s),
      feeFen: Math.round(s.medfee_sumamt * 100),
    });

    return {
      kind: 'rx.inpatient_overlap',
      lookbackMs: maxStayMs + latenessMs,
      check({ settlement: s, facts, seq }) {
        const findings: Finding[] = [];
        if (facts.inpatient) {
          const { begMs, endMs } = stayInterval(s, facts.eventMs);
          const from = checkedFrom(begMs, endMs);
          const stay = { setlId: s.setl_id, facility: s.fixmedins_code, begMs, endMs };
          for (const v of persons.visits.get(s.psn_no)) {
            if (v.facility === s.fixmedins_code || v.timeMs < from || v.timeMs > endMs || !visibleAt(v, seq, s.setl_id)) continue;
            findings.push(finding({ stay, visit: v }, v.setlId, false, options));
          }
        } else {
          const visit = visitOf(s, facts.eventMs);
          for (const st of persons.stays.get(s.psn_no)) {
            if (st.facility === s.fixmedins_code || visit.timeMs > st.timeMs || visit.timeMs < checkedFrom(st.begMs, st.timeMs)) continue;
            if (!visibleAt(st, seq, s.setl_id)) continue;
            const stay = { setlId: st.setlId, facility: st.facility, begMs: st.begMs, endMs: st.timeMs };
            findings.push(finding({ stay, visit }, st.setlId, true, options));
          }
        }
        return findings;
      },
      record: (ctx) => persons.record(ctx),
      evict: (watermarkMs) => persons.evict(watermarkMs),
      /** The shared person history, visits and stays (the same store `rx.frequent_visits` and `rx.readmission` report a part of). */
      stateSize: () => persons.size(),
    };
  },
});
