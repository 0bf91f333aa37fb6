/**
 * A settlement being assembled: who, where, when, which diagnoses and fee lines. Background
 * templates and injectors add lines to a draft; {@link finalizeDraft} turns it into a contract
 * `Settlement` (identifiers, `feedetl_sn`, trace codes, money to the cent) and records the sale in
 * the person's history.
 */
import type { Diagnosis, Settlement, SettlementItem } from '../../pipeline/contracts/settlement.js';
import { completedYears, localDate, stayDays } from '../../pipeline/time/event-time.js';
import { diagMatchesPrefix, diagnosisForIndications } from './conditions.js';
import type { FormularyItem } from './formulary.js';
import { canHop, canStock, canTest, recordSale } from './history.js';
import type { Facility, Person } from './population.js';
import { regionCode } from './population.js';
import type { PriceBook } from './prices.js';
import { hash32 } from './random.js';
import type { Random } from './random.js';
import { duplicateLines, lineBreaches, type LineSpec, type SettingFacts } from './rules.js';
import { formatLocal } from './timeline.js';

export type MedType = '11' | '14' | '21' | '41';

export interface DraftLine extends LineSpec {
  cnt: number;
  pricFen: number;
  prdDays?: number | undefined;
  doctor: string;
  /** Emit one trace code per package. */
  traced: boolean;
  /** Trace codes to emit first (a package sold again: `reflow.trace_code_reuse`); fresh ones fill up to `cnt`. */
  presetCodes?: readonly string[];
}

export interface Draft extends SettingFacts {
  readonly medType: MedType;
  readonly person: Person;
  readonly facility: Facility;
  /** `setl_time` (for a stay, the discharge). */
  readonly ms: number;
  readonly begnMs?: number;
  readonly stayDays: number;
  readonly ageYears: number;
  readonly gend: string;
  diags: Diagnosis[];
  lines: DraftLine[];
  /** The attending doctor (or pharmacist). */
  readonly doctor: string;
}

export function newDraft(args: { medType: MedType; person: Person; facility: Facility; ms: number; begnMs?: number; doctor: string }): Draft {
  return {
    medType: args.medType,
    person: args.person,
    facility: args.facility,
    ms: args.ms,
    ...(args.begnMs === undefined ? {} : { begnMs: args.begnMs }),
    stayDays: args.begnMs === undefined ? 1 : stayDays(args.begnMs, args.ms),
    ageYears: completedYears(args.person.brdy, localDate(args.ms)),
    gend: args.person.gend,
    diags: [],
    lines: [],
    doctor: args.doctor,
  };
}

export function addDiag(draft: Draft, diag: Diagnosis): void {
  if (!draft.diags.some((d) => d.diag_code === diag.diag_code)) draft.diags.push(diag);
}

export function totalFen(draft: Draft): number {
  return draft.lines.reduce((s, l) => s + l.cnt * l.pricFen, 0);
}

export const isDrug = (item: FormularyItem) => item.category === 'oral' || item.category === 'injection' || item.category === 'topical' || item.category === 'herbal';

/** Same code, same drug group, or a conflicting pair (either direction): not two lines of one clean visit. */
export function clashesWith(a: FormularyItem, b: FormularyItem): boolean {
  return a.code === b.code || (isDrug(a) && isDrug(b) && a.group === b.group) || a.conflicts.has(b.code) || b.conflicts.has(a.code);
}

/** Does the draft already hold an item that clashes with this one? */
export function clashes(draft: Draft, item: FormularyItem): boolean {
  return draft.lines.some((l) => clashesWith(l.item, item));
}

/** History guards a scenario deliberately waives for its one offending line. */
export interface GuardWaiver {
  stockpile?: boolean;
  hopping?: boolean;
  testFrequency?: boolean;
}

/** History guards (stockpile, hopping, test frequency) for one more line. */
export function historyAllows(draft: Draft, item: FormularyItem, waive: GuardWaiver = {}): boolean {
  const h = draft.person.history;
  if (isDrug(item)) {
    if (!waive.stockpile && !canStock(h, item.groupId, draft.ms)) return false;
    if (!waive.hopping && !canHop(h, item.groupId, draft.facility.index, draft.ms)) return false;
  }
  const interval = item.entry.min_interval_days;
  if (!waive.testFrequency && interval !== undefined && !canTest(h, item.code, interval, draft.ms)) return false;
  return true;
}

export interface LineOptions {
  cnt: number;
  prdDays?: number | undefined;
  pricFen?: number;
  traced?: boolean;
  doctor?: string;
  presetCodes?: readonly string[];
}

/**
 * Adds a line only if it keeps the draft clean: permitted for this person and setting, no clash,
 * history allows it. A missing indication is supplied as a diagnosis (a clinician writes the
 * diagnosis the drug is for). Returns the line, or undefined when not permitted.
 */
export function addCleanLine(draft: Draft, item: FormularyItem, prices: PriceBook, opts: LineOptions, waive: GuardWaiver = {}): DraftLine | undefined {
  if (clashes(draft, item) || !historyAllows(draft, item, waive)) return undefined;
  const line = makeLine(draft, item, prices, opts);
  const withDiag = needsIndication(draft, item);
  const facts: SettingFacts = withDiag ? { ...draft, diags: [...draft.diags, withDiag] } : draft;
  if (lineBreaches(facts, line).length) return undefined;
  if (duplicateLines(draft, [...draft.lines, line]).size) return undefined;
  if (withDiag) addDiag(draft, withDiag);
  draft.lines.push(line);
  return line;
}

/** Adds a line without the restriction checks (injectors decide what it breaches). */
export function forceLine(draft: Draft, item: FormularyItem, prices: PriceBook, opts: LineOptions): DraftLine {
  const line = makeLine(draft, item, prices, opts);
  draft.lines.push(line);
  return line;
}

/** The diagnosis an indicated item needs on this draft, when none of its diagnoses matches. */
export function needsIndication(draft: Pick<Draft, 'diags'>, item: FormularyItem): Diagnosis | undefined {
  const ind = item.entry.indications;
  if (!ind?.length) return undefined;
  if (draft.diags.some((d) => ind.some((p) => diagMatchesPrefix(d.diag_code, p)))) return undefined;
  return diagnosisForIndications(ind);
}

function makeLine(draft: Draft, item: FormularyItem, prices: PriceBook, opts: LineOptions): DraftLine {
  return {
    item,
    cnt: opts.cnt,
    pricFen: opts.pricFen ?? prices.facilityFen(item, draft.facility),
    prdDays: opts.prdDays,
    doctor: opts.doctor ?? draft.doctor,
    traced: opts.traced ?? false,
    ...(opts.presetCodes ? { presetCodes: opts.presetCodes } : {}),
  };
}

/** Removes lines (never `keep`), most expensive first, until the total is below `capFen`. */
export function trimToCap(draft: Draft, capFen: number, keep: readonly DraftLine[] = []): void {
  while (totalFen(draft) >= capFen) {
    let worst = -1;
    draft.lines.forEach((l, i) => {
      if (keep.includes(l)) return;
      if (worst < 0 || l.cnt * l.pricFen > (draft.lines[worst] as DraftLine).cnt * (draft.lines[worst] as DraftLine).pricFen) worst = i;
    });
    if (worst < 0) return;
    draft.lines.splice(worst, 1);
  }
}

/** Identifier state of one run. */
export interface Sequencer {
  /** Seed-derived tag (6 hex digits) making identifiers of different seeds distinct. */
  readonly tag: string;
  /** Seed-derived 3 digits inside trace codes. */
  readonly traceTag: string;
  settlements: number;
  traceCodes: number;
}

export function createSequencer(seed: number): Sequencer {
  const h = hash32('ids', seed);
  return { tag: h.toString(16).padStart(8, '0').slice(0, 6).toUpperCase(), traceTag: String(h % 1000).padStart(3, '0'), settlements: 0, traceCodes: 0 };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Fund share of the total by insurance type and setting. */
function fundRatio(rng: Random, draft: Draft): number {
  const employee = draft.person.insutype === '310';
  switch (draft.medType) {
    case '21': return employee ? rng.between(0.78, 0.9) : rng.between(0.6, 0.75);
    case '14': return employee ? rng.between(0.7, 0.85) : rng.between(0.55, 0.7);
    case '41': return employee ? rng.between(0.5, 0.8) : rng.between(0.3, 0.5);
    default: return employee ? rng.between(0.5, 0.7) : rng.between(0.4, 0.6);
  }
}

/** A 20-digit 药品追溯码: product (6 digits from the code), seed tag (3), serial (10). Unique in a run. */
function traceCode(seq: Sequencer, item: FormularyItem): string {
  seq.traceCodes += 1;
  return `8${pad(hash32('product', item.code) % 1_000_000, 6)}${seq.traceTag}${pad(seq.traceCodes, 10)}`;
}

export interface Finalized {
  readonly settlement: Settlement;
  /** `feedetl_sn` of each draft line, in order. */
  readonly sns: readonly string[];
}

/** Turns a draft into a settlement and records the sale in the person's history. */
export function finalizeDraft(draft: Draft, seq: Sequencer, rng: Random): Finalized {
  seq.settlements += 1;
  const n = pad(seq.settlements, 10);
  const setl_id = `S${seq.tag}${n}`;
  const sns: string[] = [];
  const items: SettlementItem[] = draft.lines.map((l, i) => {
    const sn = `F${seq.tag}${n}${pad(i + 1, 3)}`;
    sns.push(sn);
    const feeFen = l.cnt * l.pricFen;
    const item: SettlementItem = {
      feedetl_sn: sn,
      med_list_codg: l.item.code,
      list_type: l.item.listType,
      cnt: l.cnt,
      pric: l.pricFen / 100,
      det_item_fee_sumamt: feeFen / 100,
    };
    if (l.prdDays !== undefined) item.prd_days = l.prdDays;
    item.bilg_dr_codg = l.doctor;
    if (l.traced) {
      const preset = l.presetCodes ?? [];
      item.drug_trac_codg = Array.from({ length: Math.max(l.cnt, preset.length) }, (_, k) => preset[k] ?? traceCode(seq, l.item));
    }
    return item;
  });
  const medfeeFen = draft.lines.reduce((s, l) => s + l.cnt * l.pricFen, 0);
  const fundFen = Math.round(medfeeFen * fundRatio(rng, draft));
  const p = draft.person;
  const settlement: Settlement = {
    setl_id,
    setl_type: 'sale',
    mdtrt_id: `M${seq.tag}${n}`,
    psn_no: p.psn_no,
    gend: p.gend,
    brdy: p.brdy,
    insutype: p.insutype,
    admdvs: regionCode(draft.facility.region),
    fixmedins_code: draft.facility.code,
    fixmedins_type: draft.facility.fixmedinsType,
    med_type: draft.medType,
    setl_time: formatLocal(draft.ms),
    ...(draft.begnMs === undefined ? {} : { begntime: formatLocal(draft.begnMs), endtime: formatLocal(draft.ms) }),
    diag: draft.diags.map((d) => ({ ...d })),
    medfee_sumamt: medfeeFen / 100,
    fund_pay_sumamt: fundFen / 100,
    psn_cash_pay: (medfeeFen - fundFen) / 100,
    items,
  };
  recordSale(p.history, {
    ms: draft.ms,
    inpatient: draft.medType === '21',
    facility: draft.facility.index,
    drugs: draft.lines.filter((l) => isDrug(l.item)).map((l) => ({ groupId: l.item.groupId, prdDays: l.prdDays ?? 0 })),
    tests: draft.lines.filter((l) => l.item.entry.min_interval_days !== undefined).map((l) => l.item.code),
  });
  return { settlement, sns };
}
