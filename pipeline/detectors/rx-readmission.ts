/**
 * `rx.readmission` (分解住院): an admission at the same facility less than `windowDays` × 24 h after
 * the discharge of another stay of the same person with the same principal diagnosis category (the
 * first three characters of `diag[0].diag_code`, case-insensitive). Admission at or after that
 * discharge only (`begntime` ≥ the other `endtime`): overlapping stays are not readmissions. Another
 * facility or another category never fires; a stay without a diagnosis has no category and never
 * fires; two settlements of one stay (the same `mdtrt_id`, 中途结算) are not two admissions. The
 * pair fires on whichever stay arrives second:
 *   - the arriving stay is the readmission: it was admitted soon after a visible stay's discharge;
 *   - the arriving stay is the first one (a late upload): a visible stay was admitted soon after its
 *     discharge.
 * One finding per pair, on the arriving stay, key = the other stay's `setl_id`. Amount at risk: the
 * readmission's (the later stay's) `medfee_sumamt`, whichever side arrived second. Refunded stays no
 * longer count.
 *
 * Bound: a later stay longer than `maxStayDays` is not taken for a readmission (splitting a stay
 * yields short ones), so that no result depends on how much history eviction has kept.
 * State: the shared person history (`pipeline/state/person-history.ts`), stays.
 */
import type { Severity } from '../contracts/alert.js';
import { visibleAt } from '../state/history.js';
import { daysApart, diagnosisCategory, localIsoTime, localMinute, sharedPersonHistory, stayInterval } from '../state/person-history.js';
import { DAY_MS } from '../time/event-time.js';
import { defineDetector, type Finding } from './detector.js';

export interface ReadmissionOptions {
  /** Readmission window after a discharge, days (less than this many × 24 h fires). @default 15 */
  windowDays: number;
  /** A later stay longer than this is not taken for a readmission; sets how long stays are kept (this plus the window and the lateness), days. @default 60 */
  maxStayDays: number;
  /** How late (event time behind the newest settlement) a settlement may arrive and still be paired exactly, days. @default 7 */
  allowedLatenessDays: number;
  /** @default "medium" — a planned readmission (chemotherapy cycles, staged surgery) is legitimate; a reviewer decides. */
  severity: Severity;
}

interface StayView {
  readonly setlId: string;
  readonly begMs: number;
  readonly endMs: number;
  readonly feeFen: number;
}

export const rxReadmission = defineDetector<ReadmissionOptions>({
  kind: 'rx.readmission',
  description: 'Admission at the same facility less than windowDays after a discharge with the same principal diagnosis category (first 3 characters), whichever stay arrives second.',
  defaults: { windowDays: 15, maxStayDays: 60, allowedLatenessDays: 7, severity: 'medium' },
  create(options, deps) {
    const persons = sharedPersonHistory(deps);
    const windowMs = options.windowDays * DAY_MS;
    const maxStayMs = options.maxStayDays * DAY_MS;
    const lookbackMs = maxStayMs + windowMs + options.allowedLatenessDays * DAY_MS;
    // The arriving stay, as the readmission, reads discharges back to its admission minus the window.
    persons.use({ staysMs: lookbackMs });

    /** The later stay was admitted at or after the earlier discharge, within the window, and is not overlong. */
    const isReadmission = (earlier: StayView, later: StayView) =>
      later.begMs >= earlier.endMs && later.begMs - earlier.endMs < windowMs && later.endMs - later.begMs <= maxStayMs;

    return {
      kind: 'rx.readmission',
      lookbackMs,
      check({ settlement: s, facts, seq }) {
        if (!facts.inpatient) return [];
        const dx3 = diagnosisCategory(s);
        if (dx3 === '') return [];
        const { begMs, endMs } = stayInterval(s, facts.eventMs);
        const self: StayView = { setlId: s.setl_id, begMs, endMs, feeFen: Math.round(s.medfee_sumamt * 100) };
        const findings: Finding[] = [];
        for (const e of persons.stays.get(s.psn_no)) {
          if (e.facility !== s.fixmedins_code || e.dx3 !== dx3 || e.mdtrtId === s.mdtrt_id || !visibleAt(e, seq, s.setl_id)) continue;
          const other: StayView = { setlId: e.setlId, begMs: e.begMs, endMs: e.timeMs, feeFen: e.feeFen };
          const selfLater = isReadmission(other, self);
          if (!selfLater && !isReadmission(self, other)) continue;
          const [earlier, later] = selfLater ? [other, self] : [self, other];
          const gapDays = daysApart(later.begMs - earlier.endMs);
          findings.push({
            key: other.setlId,
            severity: options.severity,
            score: options.windowDays / Math.max(gapDays, 1),
            amountAtRisk: later.feeFen / 100,
            evidence: {
              rule: '分解住院',
              diag_category: dx3,
              facility: s.fixmedins_code,
              earlier_setl_id: earlier.setlId,
              earlier_begin: localIsoTime(earlier.begMs),
              earlier_end: localIsoTime(earlier.endMs),
              later_setl_id: later.setlId,
              later_begin: localIsoTime(later.begMs),
              later_end: localIsoTime(later.endMs),
              gap_days: gapDays,
              window_days: options.windowDays,
            },
            message: selfLater
              ? `本次入院（${localMinute(self.begMs)}）距同一机构同一主诊断类别（${dx3}）的上次出院（结算 ${other.setlId}，${localMinute(other.endMs)}）仅 ${gapDays} 天，短于 ${options.windowDays} 天。`
              : `本次出院（${localMinute(self.endMs)}）后仅 ${gapDays} 天即在同一机构以同一主诊断类别（${dx3}）再次入院（结算 ${other.setlId}，${localMinute(other.begMs)}），短于 ${options.windowDays} 天。`,
          });
        }
        return findings;
      },
      record: (ctx) => persons.record(ctx),
      evict: (watermarkMs) => persons.evict(watermarkMs),
      /** The stays of the shared person history (`rx.inpatient_overlap` reports them with the visits). */
      stateSize: () => persons.stays.size(),
    };
  },
});
