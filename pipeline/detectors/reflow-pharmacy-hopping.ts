/**
 * `reflow.pharmacy_hopping` (多机构购药): the person buys the same drug (catalogue `group`, else the
 * code) at a third or later distinct facility within `windowDays`. At a purchase at facility F and
 * time t, the window holds the visible purchases of the person and group with `setl_time` in
 * (t − windowDays × 24 h, t] (`history.ts` ordering rule: earlier stream sequence, not refunded, not
 * this settlement). It fires when F is not among the window's facilities (new in the window) and the
 * window then holds `minFacilities` or more distinct facilities, F included. Buying again at a
 * facility already in the window does not fire, so one spree raises one alert per new facility.
 *
 * - A purchase is a drug line (`list_type` `"101"`/`"102"`, from the line or the catalogue), with or
 *   without `prd_days`; hospital settlements count too.
 * - One finding per drug group per settlement (not per line: two strengths of one drug bought
 *   together are one purchase). Key and item: the group's first line; amount at risk: the fee of
 *   all the group's lines in the settlement. Score: distinct facilities / `minFacilities`.
 * - Severity `severity`, or `reflowRiskSeverity` when a line of the group is a catalogue
 *   `reflow_risk` drug.
 * - State: one entry per settlement, person and group. A refund cancels its original's entries of
 *   every group its lines name. Entries older than the watermark minus window and allowed lateness
 *   are evicted: no check within the lateness can reach them, so eviction never changes a result.
 *
 * Known limit: a purchase arriving after a later-in-event-time purchase of the same spree does not
 * re-check that later one (the finding belongs to the later purchase, already checked).
 */
import type { Severity } from '../contracts/alert.js';
import { drugGroup } from '../catalogue/catalogue-entry.js';
import { KeyedHistory, type HistoryEntry } from '../state/history.js';
import { ALLOWED_LATENESS_MS, DAY_MS, localDate, localIsoTime } from '../time/event-time.js';
import type { ItemFacts } from './settlement-facts.js';
import { defineDetector, yuan, type Finding } from './detector.js';

/** Earlier purchases listed in a finding's evidence (the most recent ones). */
const LISTED_PURCHASES = 20;

export interface PharmacyHoppingOptions {
  /** @default 30 — the window, in days of 24 h, ending at the purchase. */
  windowDays: number;
  /** @default 3 — distinct facilities in the window, the new one included, that fire. */
  minFacilities: number;
  /** @default "medium" */
  severity: Severity;
  /** @default "high" — for drugs the catalogue marks `reflow_risk` (easily resold). */
  reflowRiskSeverity: Severity;
}

interface Visit extends HistoryEntry {
  readonly fixmedinsCode: string;
}

const isDrug = (f: ItemFacts): boolean => f.listType === '101' || f.listType === '102';

const keyOf = (psnNo: string, group: string): string => `${psnNo}\u0000${group}`;

/** The settlement's drug lines by group, groups in order of their first line. */
function drugLinesByGroup(items: readonly ItemFacts[]): Map<string, ItemFacts[]> {
  const out = new Map<string, ItemFacts[]>();
  for (const f of items) {
    if (!isDrug(f)) continue;
    const group = drugGroup(f.entry, f.item.med_list_codg);
    const lines = out.get(group);
    if (lines) lines.push(f);
    else out.set(group, [f]);
  }
  return out;
}

/** ISO 8601 at the platform's local offset (+08:00), as settlements carry it. */

export const reflowPharmacyHopping = defineDetector<PharmacyHoppingOptions>({
  kind: 'reflow.pharmacy_hopping',
  description: 'A purchase of a drug group at a facility new in the window, when the person then bought it at minFacilities or more distinct facilities within windowDays.',
  defaults: { windowDays: 30, minFacilities: 3, severity: 'medium', reflowRiskSeverity: 'high' },
  create(options) {
    const visits = new KeyedHistory<Visit>();
    const windowMs = options.windowDays * DAY_MS;
    const lookbackMs = windowMs + ALLOWED_LATENESS_MS;
    return {
      kind: 'reflow.pharmacy_hopping',
      lookbackMs,
      check({ settlement, facts, seq }) {
        const findings: Finding[] = [];
        const here = settlement.fixmedins_code;
        const t = facts.eventMs;
        for (const [group, lines] of drugLinesByGroup(facts.items)) {
          const inWindow = visits
            .visible(keyOf(settlement.psn_no, group), seq, settlement.setl_id)
            .filter((v) => v.timeMs > t - windowMs && v.timeMs <= t);
          const latestAt = new Map<string, Visit>(); // facility → its latest purchase in the window
          for (const v of inWindow) {
            const known = latestAt.get(v.fixmedinsCode);
            if (!known || v.timeMs > known.timeMs || (v.timeMs === known.timeMs && v.seq > known.seq)) latestAt.set(v.fixmedinsCode, v);
          }
          if (latestAt.has(here) || latestAt.size + 1 < options.minFacilities) continue;
          const first = lines[0]!;
          const others = [...latestAt.values()].sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq);
          const facilities = latestAt.size + 1;
          const risky = lines.some((l) => l.entry?.reflow_risk === true);
          const name = first.entry?.name ?? first.item.med_list_codg;
          const shown = others.slice(-2).map((v) => `${localDate(v.timeMs)} 在 ${v.fixmedinsCode}（结算 ${v.setlId}）`);
          const earlierText = `${others.length > 2 ? `另有 ${others.length} 家机构，最近` : ''}于 ${shown.join('、')}`;
          findings.push({
            key: first.item.feedetl_sn,
            severity: risky ? options.reflowRiskSeverity : options.severity,
            score: facilities / options.minFacilities,
            amountAtRisk: yuan(lines.reduce((sum, l) => sum + l.item.det_item_fee_sumamt, 0)),
            item: first.item,
            evidence: {
              rule: '多机构购药',
              item_name: first.entry?.name,
              drug_group: group,
              reflow_risk: risky,
              facilities_in_window: facilities,
              min_facilities: options.minFacilities,
              window_days: options.windowDays,
              lines: lines.map((l) => l.item.feedetl_sn),
              earlier: inWindow
                .slice()
                .sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq)
                .slice(-LISTED_PURCHASES)
                .map((v) => ({ setl_id: v.setlId, fixmedins_code: v.fixmedinsCode, setl_time: localIsoTime(v.timeMs) })),
            },
            message: `「${name}」${options.windowDays} 天内在 ${facilities} 家不同机构购买（达到 ${options.minFacilities} 家的阈值）：本次在 ${here} 为新增机构，此前${earlierText}购买，疑似多机构购药倒卖。`,
          });
        }
        return findings;
      },
      record({ settlement, facts, seq }) {
        if (facts.isRefund) {
          const orig = settlement.orig_setl_id;
          if (orig === undefined) return;
          const groups = new Set(facts.items.map(({ item, entry }) => drugGroup(entry, item.med_list_codg)));
          for (const group of groups) visits.refund(keyOf(settlement.psn_no, group), orig, seq);
          return;
        }
        for (const group of drugLinesByGroup(facts.items).keys()) {
          visits.add(keyOf(settlement.psn_no, group), { seq, setlId: settlement.setl_id, timeMs: facts.eventMs, fixmedinsCode: settlement.fixmedins_code });
        }
      },
      evict(watermarkMs) {
        visits.evictBefore(watermarkMs - lookbackMs);
      },
      stateSize: () => visits.size(),
    };
  },
});
