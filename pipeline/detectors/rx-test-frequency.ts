/**
 * `rx.test_frequency` (超频次): a test whose catalogue entry has `min_interval_days` billed to the
 * same person on another settlement less than `min_interval_days` × 24 h away in event time
 * (`setl_time`), in either direction — the pair fires when its second settlement arrives, so a late
 * upload of the earlier bill fires too. Any facility. One finding per line of such a test (key
 * `feedetl_sn`), naming the nearest other bill (in event time) the check can see. Lines of the same
 * settlement never pair with each other (that is `rx.duplicate_charge`'s business), nor with a
 * redelivery of the settlement itself; a refunded bill no longer counts.
 *
 * State: per person, one entry per (settlement, test code) for codes with `min_interval_days`.
 * Intervals longer than `maxIntervalDays` are applied as `maxIntervalDays`, so that the result never
 * depends on eviction (the default covers every interval of the national catalogue, at most 15).
 */
import type { Severity } from '../contracts/alert.js';
import { KeyedHistory, visibleAt, type HistoryEntry } from '../state/history.js';
import { daysApart, EVICT_STEP_MS, localIsoTime } from '../state/person-history.js';
import { DAY_MS, localDate } from '../time/event-time.js';
import { defineDetector, type Finding } from './detector.js';

export interface TestFrequencyOptions {
  /**
   * Longest catalogue interval honoured, days; a longer `min_interval_days` is applied as this
   * many. Sets how much history is kept and rebuilt. @default 30
   */
  maxIntervalDays: number;
  /** How late (event time behind the newest settlement) a settlement may arrive and still be paired exactly, days. @default 7 */
  allowedLatenessDays: number;
  /** @default "medium" — a repeated test is often clinically justified; a reviewer decides. */
  severity: Severity;
}

/** One bill of a restricted test. `timeMs` = `setl_time`. */
interface TestEntry extends HistoryEntry {
  /** `med_list_codg` (the catalogue's own string). */
  readonly code: string;
}

export const rxTestFrequency = defineDetector<TestFrequencyOptions>({
  kind: 'rx.test_frequency',
  description: 'Test with catalogue min_interval_days billed to the same person again sooner than that (either order of arrival), any facility.',
  defaults: { maxIntervalDays: 30, allowedLatenessDays: 7, severity: 'medium' },
  create(options) {
    const history = new KeyedHistory<TestEntry>((e) => e.code);
    const lookbackMs = (options.maxIntervalDays + options.allowedLatenessDays) * DAY_MS;
    let cutoffMs = Number.NEGATIVE_INFINITY;

    return {
      kind: 'rx.test_frequency',
      lookbackMs,
      check({ settlement, facts, seq }) {
        const findings: Finding[] = [];
        const group = history.get(settlement.psn_no);
        if (group.length === 0) return findings;
        for (const { item, entry } of facts.items) {
          const limitDays = entry?.min_interval_days;
          if (!entry || !limitDays || limitDays <= 0) continue;
          const appliedDays = Math.min(limitDays, options.maxIntervalDays);
          const limitMs = appliedDays * DAY_MS;
          let nearest: TestEntry | undefined;
          let nearestGap = Number.POSITIVE_INFINITY;
          for (const e of group) {
            if (e.code !== entry.med_list_codg || !visibleAt(e, seq, settlement.setl_id)) continue;
            const gap = Math.abs(facts.eventMs - e.timeMs);
            // Nearest in event time; on a tie, the one that arrived first (group is in arrival order).
            if (gap < limitMs && gap < nearestGap) {
              nearest = e;
              nearestGap = gap;
            }
          }
          if (!nearest) continue;
          const gapDays = daysApart(nearestGap);
          const later = nearest.timeMs > facts.eventMs;
          findings.push({
            key: item.feedetl_sn,
            severity: options.severity,
            score: appliedDays / Math.max(gapDays, 1),
            amountAtRisk: item.det_item_fee_sumamt,
            item,
            evidence: {
              rule: '超频次',
              item_name: entry.name,
              min_interval_days: limitDays,
              ...(appliedDays !== limitDays ? { applied_interval_days: appliedDays } : {}),
              interval_days: gapDays,
              other_setl_id: nearest.setlId,
              other_setl_time: localIsoTime(nearest.timeMs),
              other_is_later: later,
              catalogue_source: entry.source,
            },
            message: `「${entry.name}」距${later ? '下次' : '上次'}（结算 ${nearest.setlId}，${localDate(nearest.timeMs)}）仅 ${gapDays} 天，短于限定的 ${appliedDays} 天。`,
          });
        }
        return findings;
      },
      record({ settlement, facts, seq }) {
        if (facts.isRefund) {
          if (settlement.orig_setl_id !== undefined) history.refund(settlement.psn_no, settlement.orig_setl_id, seq);
          return;
        }
        for (const { entry } of facts.items) {
          if (!entry?.min_interval_days) continue;
          history.add(settlement.psn_no, { seq, setlId: settlement.setl_id, timeMs: facts.eventMs, code: entry.med_list_codg });
        }
      },
      evict(watermarkMs) {
        const cutoff = watermarkMs - lookbackMs;
        if (cutoff - cutoffMs < EVICT_STEP_MS) return; // a scan of every key is not free: at most once per step
        cutoffMs = cutoff;
        history.evictBefore(cutoff);
      },
      stateSize: () => history.size(),
    };
  },
});
