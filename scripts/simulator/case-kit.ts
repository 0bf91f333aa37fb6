/**
 * What injectors are made of: the context they run in, the case they return, multi-settlement
 * scenarios (a setup now, the offending settlement later), and the helpers they share (persons that
 * fit an item, a clean visit with one deliberate fault planted on it).
 */
import type { AlertKind } from '../../pipeline/contracts/alert.js';
import type { Settlement } from '../../pipeline/contracts/settlement.js';
import { completedYears, localDate } from '../../pipeline/time/event-time.js';
import { CONDITIONS, SEX_DIAG, type Condition } from './conditions.js';
import {
  addDiag, clashesWith, forceLine, historyAllows, isDrug, needsIndication, trimToCap,
  type Draft, type DraftLine, type GuardWaiver, type LineOptions,
} from './draft.js';
import type { Formulary, FormularyItem } from './formulary.js';
import type { Person } from './population.js';
import type { MarkupMirror, PriceLedger } from './price-ledger.js';
import { BACKGROUND_CAP_FEN } from './rules.js';
import { drugLineOptions, outpatientVisit, pharmacyPurchase, type TrafficContext, type VisitChoice } from './visits.js';

export interface InjectionContext extends TrafficContext {
  /** `setl_time` of the case (the arrival slot). */
  readonly ms: number;
  /** End of the simulated span: a scenario whose offending settlement would fall after it is not started. */
  readonly endMs: number;
  /** The regional price baselines as the detectors will see them at this instant. */
  readonly ledger: PriceLedger;
  /** `price.facility_markup` as it stands for the over-charging hospital. */
  readonly markup: MarkupMirror;
  /** Persons whose death is notified (the `rx.deceased` cases and near misses). */
  readonly deaths: readonly DeathOf[];
  /** Kinds being injected. */
  readonly wanted: ReadonlySet<AlertKind>;
}

/** A notified death: the person and the instant from which a settlement of theirs fires. */
export interface DeathOf {
  readonly person: Person;
  readonly deathDate: string;
  /** Local midnight after `deathDate`. */
  readonly deadFromMs: number;
  /** A near miss: the person is only ever settled for up to their death day. */
  readonly nearMiss: boolean;
}

export interface InjectedCase {
  readonly draft: Draft;
  /** The offending line; absent for settlement-level kinds. */
  readonly line?: DraftLine;
  readonly note: string;
  /**
   * Other kinds the settlement may raise too. The generator's own reading (rules.ts, the price
   * ledger) decides which it does, and the label lists those in `also`; anything else rejects the case.
   */
  readonly mayAlso?: readonly AlertKind[];
}

/** What a scenario step emitted. */
export interface Emitted {
  readonly settlement: Settlement;
  /** `feedetl_sn` of each draft line, in order (empty for a refund). */
  readonly sns: readonly string[];
}

/** What a labelled settlement of a scenario is meant to trip. */
export interface StepLabel {
  readonly kind: AlertKind;
  /** The offending line; absent for settlement-level kinds. */
  readonly line?: DraftLine;
  readonly note: string;
  /** As {@link InjectedCase.mayAlso}. */
  readonly mayAlso?: readonly AlertKind[];
}

/**
 * One settlement of a scenario: a draft (labelled — the scenario's offending settlement — or not:
 * a setup or a near miss, which must raise nothing) or a refund of an earlier one, and what follows.
 * Neither draft nor refund: nothing is emitted now, only `next` is scheduled.
 */
export interface StepOutcome {
  readonly draft?: Draft;
  /** A refund (退费) of this earlier settlement, mirroring its items. */
  readonly refundOf?: Settlement;
  readonly label?: StepLabel;
  /** The first settlement of a scenario whose labelled settlement comes later (not a near miss). */
  readonly labelFollows?: boolean;
  /** The next step, once this one is emitted (or scheduled, when nothing was). */
  readonly next?: (emitted: Emitted | undefined) => PendingStep | undefined;
}

/** A step waiting for its time: it runs at the first arrival slot at or after `dueMs`. */
export interface PendingStep {
  readonly dueMs: number;
  /** Past this instant the step no longer makes sense and the scenario is dropped. */
  readonly untilMs: number;
  /** The step at the slot `ctx.ms`, or undefined when it cannot be built now (tried again at a later slot). */
  run(ctx: InjectionContext): StepOutcome | undefined;
}

export interface Injector {
  readonly kind: AlertKind;
  readonly description: string;
  /** How often it is picked relative to the others. @default 1 */
  readonly weight?: number;
  /** Whether this catalogue has what the injector needs. */
  available(formulary: Formulary): boolean;
  /** A single labelled settlement now. */
  inject?(ctx: InjectionContext): InjectedCase | undefined;
  /** A scenario: its first settlement now (labelled or not), the others as steps. */
  start?(ctx: InjectionContext): StepOutcome | undefined;
}

// ---- helpers ---------------------------------------------------------------------------------

/** A per-formulary cache of candidate lists (computed once per catalogue). */
export function cached<T>(compute: (f: Formulary) => T): (f: Formulary) => T {
  const cache = new WeakMap<Formulary, T>();
  return (f) => {
    let v = cache.get(f);
    if (v === undefined) cache.set(f, (v = compute(f)));
    return v;
  };
}

export const usable = (i: FormularyItem) => i.category !== 'procedure' && i.category !== 'herbal' && i.category !== 'material';
export const ageAt = (p: Person, ms: number) => completedYears(p.brdy, localDate(ms));

/** The person's age is within the item's band. */
export function ageFits(item: FormularyItem, p: Person, ms: number): boolean {
  const e = item.entry;
  const age = ageAt(p, ms);
  return !((e.age_min !== undefined && age < e.age_min) || (e.age_max !== undefined && age > e.age_max));
}

/** Sex and age allow the item for the person. */
export function personFits(item: FormularyItem, p: Person, ms: number): boolean {
  return (!item.entry.sex || p.gend === item.entry.sex) && ageFits(item, p, ms);
}

/** A condition the person is eligible for and the item is used for, else any acute one. */
export function conditionFor(ctx: InjectionContext, item: FormularyItem, p: Person): Condition | undefined {
  const age = ageAt(p, ctx.ms);
  const ok = (c: Condition) => age >= c.ageMin && age <= c.ageMax && (!c.sex || c.sex === p.gend);
  const matching = CONDITIONS.filter((c) => item.conditions.has(c.id) && ok(c) && (c.acute || c.chronic));
  if (matching.length) return ctx.rng.pick(matching);
  const acute = CONDITIONS.filter((c) => c.acute && ok(c));
  return acute.length ? ctx.rng.weighted(acute, (c) => c.weight) : undefined;
}

/** A general outpatient visit (or, for an oral drug, sometimes a pharmacy purchase) for the person. */
export function baseVisit(ctx: InjectionContext, item: FormularyItem, choice: VisitChoice, allowPharmacy = true): Draft | undefined {
  if (allowPharmacy && isDrug(item) && item.category !== 'injection' && ctx.rng.chance(0.3)) return pharmacyPurchase(ctx, ctx.ms, choice);
  return outpatientVisit(ctx, ctx.ms, choice);
}

/**
 * Puts the offending item on a clean draft: drops lines that clash with it, supplies its
 * indication (unless `keepDiagnoses`), adds it, and trims other lines so the total stays below the
 * high-amount threshold (halving the line's quantity if it alone would reach it).
 */
export function plant(
  ctx: InjectionContext,
  draft: Draft,
  item: FormularyItem,
  opts: LineOptions,
  { keepDiagnoses = false, keep = [], waive = {} }: { keepDiagnoses?: boolean; keep?: readonly DraftLine[]; waive?: GuardWaiver } = {},
): DraftLine | undefined {
  if (!historyAllows(draft, item, waive)) return undefined;
  draft.lines = draft.lines.filter((l) => keep.includes(l) || !clashesWith(l.item, item));
  if (!keepDiagnoses) {
    const diag = needsIndication(draft, item);
    if (diag) addDiag(draft, diag);
    if (item.entry.sex && !item.entry.indications?.length) addDiag(draft, SEX_DIAG[item.entry.sex]);
  }
  const cap = draft.medType === '21' ? BACKGROUND_CAP_FEN.inpatient : BACKGROUND_CAP_FEN.outpatient;
  const line = forceLine(draft, item, ctx.prices, opts);
  while (line.cnt > 1 && line.cnt * line.pricFen >= cap * 0.8) {
    line.cnt = Math.max(1, Math.floor(line.cnt / 2));
  }
  if (line.cnt * line.pricFen >= cap) return undefined;
  trimToCap(draft, cap, [line, ...keep]);
  return line;
}

export function lineOptions(ctx: InjectionContext, draft: Draft, item: FormularyItem): LineOptions {
  return isDrug(item) ? drugLineOptions(ctx, draft, item, false) : { cnt: 1 };
}

export const SEX_WORD = { '1': '男性', '2': '女性' } as const;
export const yuan = (fen: number) => (fen / 100).toFixed(2);

export function optCondition(condition: Condition | undefined): { condition?: Condition } {
  return condition ? { condition } : {};
}

