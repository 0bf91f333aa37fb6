/**
 * Per-person history of visits and stays, shared by `rx.inpatient_overlap`, `rx.readmission` and
 * `rx.frequent_visits` so that a settlement is held once however many of them read it.
 *
 * - `visits`: every outpatient or pharmacy settlement (`med_type` not 2x), keyed by `psn_no`;
 *   `timeMs` is `setl_time`.
 * - `stays`: every inpatient settlement (`med_type` 2x), keyed by `psn_no`; `timeMs` is `endtime`
 *   (the stay is evicted by its discharge), `begMs` is `begntime`.
 * A refund is neither: it marks its original refunded in both (the ordering rule of `history.ts`
 * decides which checks still see it).
 *
 * Lifetime: one instance per {@link sharedPersonHistory} `deps` object, i.e. per engine. Each
 * detector that reads it declares at creation how far back it reads ({@link PersonHistory.use});
 * a history nobody reads is not recorded, and eviction keeps what the most demanding reader needs.
 * Every reader calls `record()` and `evict()`: both are idempotent, so the second and third calls
 * for one settlement or one watermark cost nothing.
 *
 * Memory: entries are small flat objects; facility codes and diagnosis categories are interned (a
 * few thousand distinct strings), `setl_id` strings are the settlement's own, shared with the other
 * histories; money is held in fen as a small integer (unboxed in V8).
 */
import type { Settlement } from '../contracts/settlement.js';
import { isInpatient } from '../contracts/settlement.js';
import { DAY_MS, epochMs, LOCAL_UTC_OFFSET_MINUTES } from '../time/event-time.js';
import { KeyedHistory, type HistoryEntry, type HistorySize } from './history.js';

/** An outpatient or pharmacy settlement. `timeMs` = `setl_time`. */
export interface VisitEntry extends HistoryEntry {
  /** `fixmedins_code` (interned). */
  readonly facility: string;
  /** A pharmacy purchase: `med_type` `"41"` or a retail pharmacy (`fixmedins_type` `"2"`). */
  readonly pharmacy: boolean;
  /** `medfee_sumamt` in fen. */
  readonly feeFen: number;
}

/** An inpatient stay. `timeMs` = `endtime` (discharge). */
export interface StayEntry extends HistoryEntry {
  /** `mdtrt_id`: settlements of one stay (中途结算) share it. */
  readonly mdtrtId: string;
  /** `begntime` (admission), ms since epoch. */
  readonly begMs: number;
  /** `fixmedins_code` (interned). */
  readonly facility: string;
  /** Principal diagnosis category (see {@link diagnosisCategory}, interned); `''` when none. */
  readonly dx3: string;
  /** `medfee_sumamt` in fen. */
  readonly feeFen: number;
}

/** What `record()` needs of a settlement: a structural subset of the detector context. */
export interface RecordInput {
  readonly settlement: Settlement;
  readonly seq: number;
  readonly facts: { readonly eventMs: number; readonly inpatient: boolean; readonly isRefund: boolean };
}

/** How far back (event time, ms before the watermark) a reader needs each history. */
export interface PersonHistoryNeed {
  visitsMs?: number;
  staysMs?: number;
}

/**
 * Eviction scans every key, so it is run when the cutoff has moved at least this far since the last
 * run (event time). Keeps at most one more day of entries than the lookback. @default 1 day
 */
export const EVICT_STEP_MS = DAY_MS;

export class PersonHistory {
  readonly visits = new KeyedHistory<VisitEntry>();
  readonly stays = new KeyedHistory<StayEntry>();
  /** Longest lookback any reader declared; negative while nobody reads the history. */
  #visitsLookbackMs = -1;
  #staysLookbackMs = -1;
  #lastRecorded: RecordInput | undefined;
  #visitsCutoffMs = Number.NEGATIVE_INFINITY;
  #staysCutoffMs = Number.NEGATIVE_INFINITY;
  readonly #pool = new Map<string, string>();

  /** Declares what a reader needs (called once by each detector's factory). */
  use(need: PersonHistoryNeed): void {
    if (need.visitsMs !== undefined) this.#visitsLookbackMs = Math.max(this.#visitsLookbackMs, need.visitsMs);
    if (need.staysMs !== undefined) this.#staysLookbackMs = Math.max(this.#staysLookbackMs, need.staysMs);
  }

  /**
   * Folds a settlement (or a refund) in. Idempotent: the same settlement recorded again — by the
   * next reader, by a rebuild, by a redelivery — changes nothing.
   */
  record(input: RecordInput): void {
    if (input === this.#lastRecorded) return;
    this.#lastRecorded = input;
    const { settlement: s, seq, facts } = input;
    if (facts.isRefund) {
      if (s.orig_setl_id === undefined) return;
      if (this.#visitsLookbackMs >= 0) this.visits.refund(s.psn_no, s.orig_setl_id, seq);
      if (this.#staysLookbackMs >= 0) this.stays.refund(s.psn_no, s.orig_setl_id, seq);
      return;
    }
    const feeFen = Math.round(s.medfee_sumamt * 100);
    if (facts.inpatient) {
      if (this.#staysLookbackMs < 0) return;
      const stay = stayInterval(s, facts.eventMs);
      this.stays.add(s.psn_no, {
        seq,
        setlId: s.setl_id,
        timeMs: stay.endMs,
        mdtrtId: s.mdtrt_id,
        begMs: stay.begMs,
        facility: this.#intern(s.fixmedins_code),
        dx3: this.#intern(diagnosisCategory(s)),
        feeFen,
      });
    } else {
      if (this.#visitsLookbackMs < 0) return;
      this.visits.add(s.psn_no, {
        seq,
        setlId: s.setl_id,
        timeMs: facts.eventMs,
        facility: this.#intern(s.fixmedins_code),
        pharmacy: isPharmacy(s),
        feeFen,
      });
    }
  }

  /** Drops what no reader can look back to any more. Idempotent per watermark. */
  evict(watermarkMs: number): void {
    if (this.#visitsLookbackMs >= 0) {
      const cutoff = watermarkMs - this.#visitsLookbackMs;
      if (cutoff - this.#visitsCutoffMs >= EVICT_STEP_MS) {
        this.#visitsCutoffMs = cutoff;
        this.visits.evictBefore(cutoff);
      }
    }
    if (this.#staysLookbackMs >= 0) {
      const cutoff = watermarkMs - this.#staysLookbackMs;
      if (cutoff - this.#staysCutoffMs >= EVICT_STEP_MS) {
        this.#staysCutoffMs = cutoff;
        this.stays.evictBefore(cutoff);
      }
    }
  }

  /** Both histories together (keys: a person with visits and stays counts twice). */
  size(): HistorySize {
    const v = this.visits.size();
    const s = this.stays.size();
    return { keys: v.keys + s.keys, entries: v.entries + s.entries };
  }

  #intern(text: string): string {
    const known = this.#pool.get(text);
    if (known !== undefined) return known;
    this.#pool.set(text, text);
    return text;
  }
}

const shared = new WeakMap<object, PersonHistory>();

/** The one {@link PersonHistory} of an engine: memoised per `deps` object (`DetectorDeps`). */
export function sharedPersonHistory(deps: object): PersonHistory {
  let history = shared.get(deps);
  if (!history) {
    history = new PersonHistory();
    shared.set(deps, history);
  }
  return history;
}

/** Admission and discharge of an inpatient settlement; a missing time falls back to `setl_time`. */
export function stayInterval(s: Settlement, eventMs: number): { begMs: number; endMs: number } {
  const endMs = s.endtime !== undefined ? epochMs(s.endtime) : eventMs;
  const begMs = s.begntime !== undefined ? epochMs(s.begntime) : endMs;
  return { begMs, endMs };
}

/** Principal diagnosis category: the first three characters of `diag[0].diag_code`, upper-case; `''` when none. */
export function diagnosisCategory(s: Settlement): string {
  return (s.diag?.[0]?.diag_code ?? '').trim().slice(0, 3).toUpperCase();
}

/** A pharmacy purchase: `med_type` `"41"` or a retail pharmacy (`fixmedins_type` `"2"`). */
export function isPharmacy(s: Settlement): boolean {
  return !isInpatient(s.med_type) && (s.med_type === '41' || s.fixmedins_type === '2');
}

const OFFSET_MS = LOCAL_UTC_OFFSET_MINUTES * 60_000;

export { localIsoTime } from '../time/event-time.js';

/** An instant as local `YYYY-MM-DD HH:mm`, for messages. */
export function localMinute(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** Days between two instants, rounded down to the hundredth (so 14.999 days never reads as 15). */
export function daysApart(ms: number): number {
  return Math.floor((Math.abs(ms) / DAY_MS) * 100) / 100;
}
