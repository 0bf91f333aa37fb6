/**
 * `reflow.stockpile` (囤药): at a purchase, the person still holds more than `maxHeldDays` of earlier
 * supply of the same drug (catalogue `group`, else the code).
 *
 * - A purchase is a drug line (`list_type` `"101"`/`"102"`, from the line or the catalogue) with
 *   `prd_days` > 0, at any facility, hospitals included.
 * - Coverage chain, in whole local days: the visible earlier purchases of the person and group with
 *   `setl_time` ≤ this one's, by event time then stream sequence then line, each extend the end of
 *   coverage by their `prd_days` from the later of their own day and the current end (a purchase
 *   covers its own day onward). Held = end − this purchase's local day; it fires when held exceeds
 *   the limit (exactly the limit does not fire). Visible is the ordering rule of `history.ts`; lines
 *   of this settlement never count against each other (one purchase), and each line is one finding
 *   (key `feedetl_sn`).
 * - Refunded purchases do not count: a refund cancels its original's purchases of every group its
 *   lines name (a refund mirrors its original's lines).
 * - Amount at risk: the share of the line's days bought beyond the limit,
 *   fee × min(prd_days, held − limit) / prd_days. Score: held / limit.
 * - Severity `severity`, or `reflowRiskSeverity` for catalogue `reflow_risk` drugs.
 *
 * Bounded state, exact for settlements no later than {@link ALLOWED_LATENESS_MS}: every check and
 * every future purchase has a day no earlier than the watermark's minus the lateness, so a prefix of
 * a chain whose coverage ended by then (and that the next purchase does not continue) can no longer
 * change any result and is evicted. A chain that never breaks is cut at `horizonDays` before the
 * watermark (`lookbackMs` = horizon + lateness, what a rebuild reads): beyond a year of unbroken
 * supply the oldest purchases are forgotten, which can only lower `held` (miss, never a false alarm).
 *
 * Known limit: a purchase that arrives after a later-in-event-time purchase of the same chain is not
 * used to re-check that later one (the finding belongs to the later purchase, already checked).
 */
import type { Severity } from '../contracts/alert.js';
import type { CatalogueEntry } from '../catalogue/catalogue-entry.js';
import { drugGroup } from '../catalogue/catalogue-entry.js';
import { visibleAt, type HistoryEntry, type HistorySize } from '../state/history.js';
import { ALLOWED_LATENESS_MS, DAY_MS, localDate, localDayNumber } from '../time/event-time.js';
import type { ItemFacts } from './settlement-facts.js';
import { defineDetector, yuan, type Finding } from './detector.js';

/**
 * How far behind the event-time watermark a settlement may arrive and still be checked exactly
 * (the pipeline's allowed lateness; shared with `reflow.pharmacy_hopping`).
 */
/** Purchases of a chain listed in a finding's evidence (the most recent ones). */
const LISTED_PURCHASES = 20;

export interface StockpileOptions {
  /** @default 30 — days of earlier supply a person may still hold at a purchase; more fires. */
  maxHeldDays: number;
  /** @default 365 — longest unbroken chain kept: purchases older than this before the watermark are evicted. */
  horizonDays: number;
  /** @default "medium" — stockpiling is often a patient's habit; a reviewer decides. */
  severity: Severity;
  /** @default "high" — for drugs the catalogue marks `reflow_risk` (easily resold). */
  reflowRiskSeverity: Severity;
}

interface Purchase extends HistoryEntry {
  /** Local day number of `setl_time`. */
  readonly day: number;
  readonly prdDays: number;
  /** Position of the line in its settlement (orders the lines of one purchase). */
  readonly line: number;
  readonly feedetlSn: string;
  readonly medListCodg: string;
  readonly fixmedinsCode: string;
}

/** A drug line with days of supply: what stockpile counts. */
function isSupplyPurchase(f: ItemFacts): boolean {
  return (f.listType === '101' || f.listType === '102') && (f.item.prd_days ?? 0) > 0;
}

const keyOf = (psnNo: string, entry: CatalogueEntry | undefined, code: string): string => `${psnNo}\u0000${drugGroup(entry, code)}`;

const before = (a: Purchase, b: Purchase): boolean =>
  a.timeMs !== b.timeMs ? a.timeMs < b.timeMs : a.seq !== b.seq ? a.seq < b.seq : a.line < b.line;

/**
 * Purchases per person and drug group, each chain kept sorted by event time, sequence and line.
 * Recording is idempotent per (`setl_id`, `feedetl_sn`); refunds and visibility follow `history.ts`.
 */
class SupplyChains {
  readonly #chains = new Map<string, Purchase[]>();
  #entries = 0;

  get(key: string): readonly Purchase[] {
    return this.#chains.get(key) ?? [];
  }

  add(key: string, p: Purchase): void {
    let chain = this.#chains.get(key);
    if (!chain) this.#chains.set(key, (chain = []));
    if (chain.some((e) => e.setlId === p.setlId && e.feedetlSn === p.feedetlSn)) return;
    let i = chain.length;
    while (i > 0 && before(p, chain[i - 1]!)) i -= 1;
    chain.splice(i, 0, p);
    this.#entries += 1;
  }

  refund(key: string, origSetlId: string, refundSeq: number): void {
    for (const e of this.get(key)) {
      if (e.setlId === origSetlId && (e.refundedSeq === undefined || e.refundedSeq > refundSeq)) e.refundedSeq = refundSeq;
    }
  }

  /**
   * Drops, per chain, the longest prefix whose coverage ends by `resetDay` and that the next
   * purchase does not continue, then every purchase before `hardMs`.
   */
  evict(resetDay: number, hardMs: number): void {
    for (const [key, chain] of this.#chains) {
      let end = Number.NEGATIVE_INFINITY;
      let cut = 0;
      for (let i = 0; i < chain.length; i += 1) {
        const p = chain[i]!;
        if (p.refundedSeq === undefined) end = Math.max(p.day, end) + p.prdDays;
        if (end > resetDay) break;
        const next = chain[i + 1];
        if (next === undefined || end <= next.day) cut = i + 1;
      }
      while (cut < chain.length && chain[cut]!.timeMs < hardMs) cut += 1;
      if (cut === 0) continue;
      this.#entries -= cut;
      if (cut === chain.length) this.#chains.delete(key);
      else chain.splice(0, cut);
    }
  }

  size(): HistorySize {
    return { keys: this.#chains.size, entries: this.#entries };
  }
}

export const reflowStockpile = defineDetector<StockpileOptions>({
  kind: 'reflow.stockpile',
  description: 'At a drug purchase the person still holds more than maxHeldDays of earlier supply of the same drug group (coverage chain; refunded purchases do not count).',
  defaults: { maxHeldDays: 30, horizonDays: 365, severity: 'medium', reflowRiskSeverity: 'high' },
  create(options) {
    const chains = new SupplyChains();
    return {
      kind: 'reflow.stockpile',
      lookbackMs: options.horizonDays * DAY_MS + ALLOWED_LATENESS_MS,
      check({ settlement, facts, seq }) {
        const findings: Finding[] = [];
        const today = localDayNumber(facts.eventMs);
        for (const f of facts.items) {
          if (!isSupplyPurchase(f)) continue;
          const { item, entry } = f;
          const chain = chains
            .get(keyOf(settlement.psn_no, entry, item.med_list_codg))
            .filter((p) => p.timeMs <= facts.eventMs && visibleAt(p, seq, settlement.setl_id));
          let end = Number.NEGATIVE_INFINITY;
          let runStart = 0; // the purchases since coverage last ran out: the chain a reviewer reads
          for (const [i, p] of chain.entries()) {
            if (end <= p.day) runStart = i;
            end = Math.max(p.day, end) + p.prdDays;
          }
          const held = end - today;
          if (!(held > options.maxHeldDays)) continue;
          const run = chain.slice(runStart);
          const last = run[run.length - 1]!;
          const prdDays = item.prd_days!;
          const excess = held - options.maxHeldDays;
          const name = entry?.name ?? item.med_list_codg;
          findings.push({
            key: item.feedetl_sn,
            severity: entry?.reflow_risk ? options.reflowRiskSeverity : options.severity,
            score: held / options.maxHeldDays,
            amountAtRisk: yuan((item.det_item_fee_sumamt * Math.min(prdDays, excess)) / prdDays),
            item,
            evidence: {
              rule: '囤药',
              item_name: entry?.name,
              drug_group: drugGroup(entry, item.med_list_codg),
              reflow_risk: entry?.reflow_risk === true,
              held_days: held,
              max_held_days: options.maxHeldDays,
              excess_days: excess,
              covered_through: localDate((end - 1) * DAY_MS),
              prd_days: prdDays,
              item_fee: item.det_item_fee_sumamt,
              chain_purchases: run.length,
              chain: run.slice(-LISTED_PURCHASES).map((p) => ({
                setl_id: p.setlId,
                feedetl_sn: p.feedetlSn,
                fixmedins_code: p.fixmedinsCode,
                med_list_codg: p.medListCodg,
                date: localDate(p.day * DAY_MS),
                prd_days: p.prdDays,
              })),
            },
            message: `「${name}」购药时参保人仍持有同类药品 ${held} 天的余量，超过 ${options.maxHeldDays} 天（最近一次于 ${localDate(last.day * DAY_MS)} 在 ${last.fixmedinsCode} 购药 ${last.prdDays} 天，结算 ${last.setlId}），疑似囤药。`,
          });
        }
        return findings;
      },
      record({ settlement, facts, seq }) {
        if (facts.isRefund) {
          const orig = settlement.orig_setl_id;
          if (orig === undefined) return;
          const keys = new Set(facts.items.map(({ item, entry }) => keyOf(settlement.psn_no, entry, item.med_list_codg)));
          for (const key of keys) chains.refund(key, orig, seq);
          return;
        }
        const day = localDayNumber(facts.eventMs);
        for (const [line, f] of facts.items.entries()) {
          if (!isSupplyPurchase(f)) continue;
          chains.add(keyOf(settlement.psn_no, f.entry, f.item.med_list_codg), {
            seq,
            setlId: settlement.setl_id,
            timeMs: facts.eventMs,
            day,
            prdDays: f.item.prd_days!,
            line,
            feedetlSn: f.item.feedetl_sn,
            medListCodg: f.item.med_list_codg,
            fixmedinsCode: settlement.fixmedins_code,
          });
        }
      },
      evict(watermarkMs) {
        chains.evict(localDayNumber(watermarkMs - ALLOWED_LATENESS_MS), watermarkMs - options.horizonDays * DAY_MS);
      },
      stateSize: () => chains.size(),
    };
  },
});
