/**
 * `reflow.trace_code_reuse` (一码多用, 药品回流): a `drug_trac_codg` that was already settled, and not
 * refunded, is settled again — by any facility, at any time. One package has one code; a code
 * settled twice means a package sold, returned to the market and sold (and claimed) again.
 *
 * State lives in the shared durable store (`pipeline/state/trace-code-store.ts`, ClickHouse
 * `trace_codes`): a code may be reused years later at another worker's facility, so nothing here is
 * windowed or evicted, and a rebuild at start-up has nothing to do (`lookbackMs` 0).
 *
 * - `prepare` prefetches every code of the batch, refunds' codes included (a refund must find the
 *   use it cancels, or its row would not be written).
 * - `check` fires, for a line, on each code with a use visible at this settlement
 *   ({@link visibleAt}: recorded by a smaller stream sequence, not by this `setl_id`, not refunded
 *   by a smaller-sequence refund). Arrival decides "already": when the later-in-event-time sale
 *   arrives first, the earlier one fires on arrival (the second of the pair), as the contract
 *   says; its message says so.
 * - A code repeated within one settlement (on two lines, or twice on a line) is one package settled
 *   twice: the second occurrence (in line order, then code order) fires, with the first line in the
 *   evidence. Its own settlement's use can never be "earlier" in the store (same `setl_id`), so
 *   this is decided from the settlement alone.
 * - One finding per line (key `feedetl_sn`). The amount at risk is the line's fee times the share
 *   of its codes that are reused. The evidence names the earlier settlements' facility, time and
 *   `setl_id`, and whether they were the same person (`same_person`), never the other `psn_no`.
 * - `record` stores each code of a sale (the store keeps one use per code and `setl_id`, so a
 *   redelivery changes nothing); a refund marks its original's uses of the codes on its lines
 *   refunded, which makes them sellable again. Nothing is recorded while rebuilding: the codes are
 *   in the shared store already.
 *
 * Caveat for reviewers: split-package dispensing (拆零) may legitimately upload one package's code
 * on several sales of the same pharmacy; the contract treats every second settlement as reuse.
 */
import type { Severity } from '../contracts/alert.js';
import { visibleAt, type HistoryEntry } from '../state/history.js';
import type { TraceCodeUse } from '../state/trace-code-store.js';
import { epochMs, localDate, localIsoTime } from '../time/event-time.js';
import { defineDetector, yuan, type Finding } from './detector.js';

/** Reused codes listed in one finding's evidence (the count is always complete). */
const LISTED_CODES = 20;
/** Earlier settlements listed per reused code. */
const LISTED_USES = 5;

export interface TraceCodeReuseOptions {
  /** @default "high" — a package claimed twice is the signature of drug reflow (contract). */
  severity: Severity;
}

/**
 * ISO 8601 at the platform's local offset, to the second: the same text whether the use was recorded
 * here or read back from ClickHouse (which adds milliseconds).
 */

/** The store's use as a history entry, so the one visibility rule of `history.ts` applies. */
function asEntry(u: TraceCodeUse): HistoryEntry {
  return { seq: u.seq, setlId: u.setlId, timeMs: epochMs(u.setlTime), refundedSeq: u.refundedSeq };
}

interface Reuse {
  readonly code: string;
  /** Visible earlier uses, by stream sequence. */
  readonly earlier: readonly TraceCodeUse[];
  /** `feedetl_sn` of the line of this settlement where the code first appeared, if it repeats here. */
  readonly sameSettlementLine: string | undefined;
}

export const reflowTraceCodeReuse = defineDetector<TraceCodeReuseOptions>({
  kind: 'reflow.trace_code_reuse',
  description: 'A drug trace code already settled (and not refunded) is settled again, by any facility at any time, or twice in one settlement (一码多用).',
  defaults: { severity: 'high' },
  create(options, deps) {
    const store = deps.traceCodes;
    return {
      kind: 'reflow.trace_code_reuse',
      lookbackMs: 0,
      async prepare(settlements) {
        const codes: string[] = [];
        for (const s of settlements) for (const item of s.items) if (item.drug_trac_codg) codes.push(...item.drug_trac_codg);
        if (codes.length > 0) await store.prefetch(codes);
      },
      check({ settlement, facts, seq }) {
        const findings: Finding[] = [];
        const firstLine = new Map<string, string>(); // code → feedetl_sn of its first occurrence here
        for (const { item, entry } of facts.items) {
          const codes = item.drug_trac_codg;
          if (!codes || codes.length === 0) continue;
          const reuses = new Map<string, Reuse>();
          let reusedPositions = 0;
          for (const code of codes) {
            const first = firstLine.get(code);
            if (first === undefined) firstLine.set(code, item.feedetl_sn);
            const known = reuses.get(code);
            if (known) {
              reusedPositions += 1;
              continue;
            }
            const earlier = store
              .uses(code)
              .filter((u) => visibleAt(asEntry(u), seq, settlement.setl_id))
              .sort((a, b) => a.seq - b.seq);
            if (earlier.length === 0 && first === undefined) continue;
            reusedPositions += 1;
            reuses.set(code, { code, earlier, sameSettlementLine: first });
          }
          if (reuses.size === 0) continue;
          const list = [...reuses.values()];
          const score = Math.max(...list.map((r) => r.earlier.length + (r.sameSettlementLine === undefined ? 0 : 1)));
          const name = entry?.name ?? item.med_list_codg;
          findings.push({
            key: item.feedetl_sn,
            severity: options.severity,
            score,
            amountAtRisk: yuan((item.det_item_fee_sumamt * reusedPositions) / codes.length),
            item,
            evidence: {
              rule: '一码多用',
              item_name: entry?.name,
              codes_on_line: codes.length,
              reused_codes: reuses.size,
              reused_packages: reusedPositions,
              item_fee: item.det_item_fee_sumamt,
              reuses: list.slice(0, LISTED_CODES).map((r) => ({
                code: r.code,
                earlier_settlements: r.earlier.length,
                earlier: r.earlier.slice(0, LISTED_USES).map((u) => ({
                  setl_id: u.setlId,
                  feedetl_sn: u.feedetlSn,
                  fixmedins_code: u.fixmedinsCode,
                  setl_time: localIsoTime(epochMs(u.setlTime)),
                  same_person: u.psnNo === settlement.psn_no,
                })),
                ...(r.sameSettlementLine === undefined ? {} : { same_settlement_line: r.sameSettlementLine }),
              })),
            },
            message: messageOf(name, list, reuses.size, facts.eventMs, item.feedetl_sn),
          });
        }
        return findings;
      },
      record({ settlement, facts, seq, rebuilding }) {
        if (rebuilding) return; // the shared store holds them already
        if (facts.isRefund) {
          const orig = settlement.orig_setl_id;
          if (orig === undefined) return;
          for (const item of settlement.items) for (const code of item.drug_trac_codg ?? []) store.refund(code, orig, seq);
          return;
        }
        for (const item of settlement.items) {
          for (const code of item.drug_trac_codg ?? []) {
            store.record({
              code,
              setlId: settlement.setl_id,
              seq,
              feedetlSn: item.feedetl_sn,
              fixmedinsCode: settlement.fixmedins_code,
              psnNo: settlement.psn_no,
              admdvs: settlement.admdvs,
              setlTime: settlement.setl_time,
            });
          }
        }
      },
    };
  },
});

/** One sentence: the first reused code, where and when it was settled before, the limit. */
function messageOf(name: string, reuses: readonly Reuse[], reusedCodes: number, eventMs: number, feedetlSn: string): string {
  const r = reuses[0]!;
  const codes = reusedCodes > 1 ? `追溯码 ${r.code} 等 ${reusedCodes} 个追溯码 ` : `追溯码 ${r.code} `;
  const limit = '而每个追溯码只能结算一次，疑似药品回流。';
  const u = r.earlier[0];
  if (u === undefined) {
    return `「${name}」的${codes}在本次结算的明细 ${r.sameSettlementLine ?? ''} 中已出现，明细 ${feedetlSn} 再次结算，${limit}`;
  }
  const more = r.earlier.length > 1 ? `，另有 ${r.earlier.length - 1} 次结算` : '';
  const at = epochMs(u.setlTime);
  const when = localDate(at);
  return at <= eventMs
    ? `「${name}」的${codes}已于 ${when} 在 ${u.fixmedinsCode} 结算（结算 ${u.setlId}${more}），本次再次结算，${limit}`
    : `「${name}」的${codes}已在 ${u.fixmedinsCode} 结算（结算 ${u.setlId}，结算时间 ${when} 晚于本次但先到达${more}），本次再次结算，${limit}`;
}
