/**
 * The traffic generator: a seeded stream of settlements in ascending event time — general and
 * chronic outpatient visits, inpatient stays settled at discharge, pharmacy purchases, about 1 %
 * refunds — with a configurable share of labelled injected cases, one kind each (`injections.ts`),
 * some of them scenarios of several settlements (`scenarios.ts`): their later settlements are
 * emitted at the first arrival slot at or after their time. One kind of scenario deliberately
 * emits a settlement late (an outpatient visit uploaded after the stay it falls in): that record
 * has `late: true` and a `setl_time` before the previous record's.
 *
 * Background traffic is clean for every kind: of the per-settlement kinds in `rules.ts`
 * `CLEAN_KINDS` (each draft is checked before it is emitted), of the history and reflow kinds by
 * the guards of `history.ts`, of the price-baseline kinds by the narrow price band of `prices.ts`
 * (the over-charging hospital gets no background traffic), of `rx.deceased` by never settling for a
 * person after their death. Injected and scenario settlements are checked against the generator's
 * own reading (rules.ts and the price ledger) before they are emitted.
 *
 * Memory is bounded by the population, not by the number of settlements: `simulate` is a
 * generator; it keeps a short ring of recent sales (for refunds), the price ledger (at most 500
 * prices per code and region) and the pending steps of running scenarios.
 */
import type { Catalogue } from '../../pipeline/catalogue/catalogue.js';
import { ALERT_KINDS, type AlertKind } from '../../pipeline/contracts/alert.js';
import type { PersonStatus, Settlement } from '../../pipeline/contracts/settlement.js';
import { DAY_MS, localDate } from '../../pipeline/time/event-time.js';
import type { DeathOf, Emitted, InjectionContext, PendingStep, StepOutcome } from './case-kit.js';
import { planDeaths, type PlannedDeath } from './deaths.js';
import { createSequencer, finalizeDraft, type Draft, type MedType, type Sequencer } from './draft.js';
import { createFormulary, type Formulary } from './formulary.js';
import { INJECTORS, type Injector } from './injections.js';
import type { InjectionLabel } from './labels.js';
import { createPopulation, type Person, type Population } from './population.js';
import { MarkupMirror, outlierVerdict, PriceLedger } from './price-ledger.js';
import { createPriceBook, type PriceBook } from './prices.js';
import { countedRatios } from './pricing-cases.js';
import { createRandom, type Random } from './random.js';
import { breaches } from './rules.js';
import { arrivalTimes, formatLocal, localHour } from './timeline.js';
import { TEMPLATES, type TrafficContext } from './visits.js';

export interface SimulatorOptions {
  /** Seeds everything: the same options give the same stream, byte for byte. */
  seed: number;
  /** How many settlements to generate (refunds and injected cases included). */
  settlements: number;
  /** ISO 8601 with offset, e.g. `2026-11-01T08:00:00+08:00`. */
  startTime: string;
  /** Event-time span the settlements are spread over. */
  spanDays: number;
  /** @default settlements / 3, between 500 and 300,000 */
  persons?: number;
  /** @default settlements / 200, between 24 and 3,000 */
  facilities?: number;
  /** Fraction of settlements that are injected cases. @default 0.02 */
  injectionRate?: number;
  catalogue: Catalogue;
  /** Kinds to inject. @default every kind in {@link simulatorKinds} */
  kinds?: AlertKind[];
}

export interface SimulatedRecord {
  settlement: Settlement;
  /** Present on injected cases: the kind the settlement is meant to trip (and any it raises too). */
  label?: InjectionLabel;
  /** A late upload: its `setl_time` lies before that of records emitted earlier. */
  late?: true;
}

/** Share of settlements that are refunds of an earlier sale. */
export const REFUND_SHARE = 0.01;
/** Default share of injected cases. */
export const DEFAULT_INJECTION_RATE = 0.02;
const RECENT_SALES = 400;

/** Kinds the simulator can inject (those with an injector), in registry order. */
export function simulatorKinds(): AlertKind[] {
  return INJECTORS.map((i) => i.kind);
}

/** Persons and facilities of a run (the defaults scale with the settlements). */
function sizes(o: SimulatorOptions): { persons: number; facilities: number } {
  return {
    persons: o.persons ?? Math.min(300_000, Math.max(500, Math.round(o.settlements / 3))),
    facilities: o.facilities ?? Math.min(3000, Math.max(24, Math.round(o.settlements / 200))),
  };
}

function deathPlan(o: SimulatorOptions, root: Random, idTag: string): PlannedDeath[] {
  const wanted = o.kinds ?? simulatorKinds();
  return planDeaths(root.fork('deaths'), {
    settlements: o.settlements,
    persons: sizes(o).persons,
    startMs: Date.parse(o.startTime),
    spanDays: o.spanDays,
    injectionRate: wanted.includes('rx.deceased') ? (o.injectionRate ?? DEFAULT_INJECTION_RATE) : 0,
    idTag,
  });
}

/**
 * The person-status lines (`{psn_no, death_date}`) of a run: the deaths its `rx.deceased` cases
 * and near misses rely on. Load them into the pipeline before the first settlement
 * (`replay --persons`, the golden runner's persons, `memoryDeps().persons.set`). Cheap: computed
 * from the options, without generating the traffic.
 */
export function simulatedDeaths(options: SimulatorOptions): PersonStatus[] {
  const problems = simulatorOptionProblems(options);
  if (problems.length) throw new RangeError(`invalid simulator options:\n  - ${problems.join('\n  - ')}`);
  return deathPlan(options, createRandom(options.seed), `P${createSequencer(options.seed).tag}`).map((d) => ({ psn_no: d.psn_no, death_date: d.death_date }));
}

/** Problems with simulator options (empty when valid). */
export function simulatorOptionProblems(o: SimulatorOptions): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(o.seed)) problems.push('seed: must be an integer');
  if (!Number.isSafeInteger(o.settlements) || o.settlements < 0) problems.push('settlements: must be a non-negative integer');
  if (!/[+-]\d\d:\d\d$|Z$/.test(o.startTime) || Number.isNaN(Date.parse(o.startTime))) problems.push(`startTime: not an ISO 8601 date-time with offset: ${o.startTime}`);
  if (!(o.spanDays > 0) || !Number.isFinite(o.spanDays)) problems.push('spanDays: must be a positive number');
  if (o.persons !== undefined && (!Number.isSafeInteger(o.persons) || o.persons < 1)) problems.push('persons: must be a positive integer');
  if (o.facilities !== undefined && (!Number.isSafeInteger(o.facilities) || o.facilities < 1)) problems.push('facilities: must be a positive integer');
  if (o.injectionRate !== undefined && !(o.injectionRate >= 0 && o.injectionRate <= 1)) problems.push('injectionRate: must be between 0 and 1');
  const known = new Set(simulatorKinds());
  for (const k of o.kinds ?? []) {
    if (!(ALERT_KINDS as readonly string[]).includes(k)) problems.push(`kinds: unknown kind ${k}`);
    else if (!known.has(k)) problems.push(`kinds: the simulator has no injector for ${k} (it has: ${[...known].join(', ')})`);
  }
  return problems;
}

/** Background mix by 医疗类别: daytime and night (22:00–06:59, when pharmacies and emergencies dominate). */
const MIX_DAY: readonly (readonly [MedType, number])[] = [['11', 0.5], ['14', 0.15], ['41', 0.28], ['21', 0.07]];
const MIX_NIGHT: readonly (readonly [MedType, number])[] = [['11', 0.45], ['41', 0.55]];

/** A scenario step waiting in the queue. */
interface Pending {
  readonly step: PendingStep;
  dueMs: number;
  readonly order: number;
  tries: number;
}

interface RunState {
  readonly ctx: TrafficContext;
  readonly seq: Sequencer;
  readonly injectors: readonly Injector[];
  readonly recent: Settlement[];
  readonly ledger: PriceLedger;
  readonly markup: MarkupMirror;
  readonly deaths: readonly DeathOf[];
  readonly wanted: ReadonlySet<AlertKind>;
  readonly endMs: number;
  readonly pending: MinHeap<Pending>;
  order: number;
  /** Latest `setl_time` emitted. */
  lastMs: number;
  /**
   * Injections owed: slots where an injection was due but produced no labelled case now or later
   * (a near miss, an unlabelled visit of the over-charging hospital, no case possible). Later slots
   * make up for them (at most doubling the rate), so labelled cases stay at about the injection rate.
   */
  owed: number;
}

/**
 * The stream of simulated settlements, ascending in `setl_time` (but for deliberate late uploads,
 * flagged `late`). Options are checked at once (a `RangeError` lists every problem); records are
 * produced lazily, one at a time.
 */
export function simulate(options: SimulatorOptions): Generator<SimulatedRecord> {
  const problems = simulatorOptionProblems(options);
  if (problems.length) throw new RangeError(`invalid simulator options:\n  - ${problems.join('\n  - ')}`);
  return run(options);
}

function* run(options: SimulatorOptions): Generator<SimulatedRecord> {
  const root = createRandom(options.seed);
  const startMs = Date.parse(options.startTime);
  const seq = createSequencer(options.seed);
  const prices: PriceBook = createPriceBook(seq.tag);
  const formulary: Formulary = createFormulary(options.catalogue, (i) => prices.referenceFen(i));
  const { persons, facilities } = sizes(options);
  const idTag = `P${seq.tag}`;
  const population: Population = createPopulation(root.fork('population'), { persons, facilities, startMs, idTag });
  const deaths: DeathOf[] = deathPlan(options, root, idTag).map((d) => {
    const person = population.persons[d.index] as Person;
    person.history.deadFromMs = d.deadFromMs;
    return { person, deathDate: d.death_date, deadFromMs: d.deadFromMs, nearMiss: d.nearMiss };
  });
  const rng = root.fork('traffic');
  const ctx: TrafficContext = { rng, formulary, prices, population };
  const wanted = new Set(options.kinds ?? simulatorKinds());
  const state: RunState = {
    ctx,
    seq,
    injectors: INJECTORS.filter((i) => wanted.has(i.kind) && i.available(formulary)),
    recent: [],
    ledger: new PriceLedger(),
    markup: new MarkupMirror(),
    deaths,
    wanted,
    endMs: startMs + options.spanDays * DAY_MS,
    pending: new MinHeap<Pending>((a, b) => a.dueMs - b.dueMs || a.order - b.order),
    order: 0,
    lastMs: Number.NEGATIVE_INFINITY,
    owed: 0,
  };
  const rate = options.injectionRate ?? DEFAULT_INJECTION_RATE;
  const decide = root.fork('decisions');

  for (const ms of arrivalTimes(root.fork('time'), startMs, options.spanDays * DAY_MS, options.settlements)) {
    const step = dueStep(state, ms);
    if (step) {
      yield step;
      continue;
    }
    const roll = decide.next();
    if (roll < REFUND_SHARE && state.recent.length) {
      yield { settlement: refund(state, ms, decide) };
      continue;
    }
    const rolled = roll < REFUND_SHARE + rate;
    // Owed injections are made up at most at the injection rate again (never crowding out background).
    if ((rolled || (state.owed > 0 && roll < REFUND_SHARE + 2 * rate)) && state.injectors.length) {
      const injected = inject(state, ms, decide);
      if (injected.counts && !rolled) state.owed--;
      else if (!injected.counts && rolled) state.owed = Math.min(MAX_OWED, state.owed + 1);
      if (injected.record) {
        yield injected.record;
        continue;
      }
    }
    yield { settlement: background(state, ms) };
  }
}

function injectionContext(state: RunState, ms: number, relaxed = false): InjectionContext {
  return { ...state.ctx, ms, relaxed, endMs: state.endMs, ledger: state.ledger, markup: state.markup, deaths: state.deaths, wanted: state.wanted };
}

/** Most injections owed at once (when cases are hard to build, the rate is not forced). */
const MAX_OWED = 20;

/** Steps of running scenarios tried per arrival slot (a step that cannot be built now is retried later). */
const STEPS_PER_SLOT = 3;
const RETRY_MS = 30 * 60_000;
const MAX_TRIES = 48;

/** The settlement of a scenario step due at this slot, if one can be built. */
function dueStep(state: RunState, ms: number): SimulatedRecord | undefined {
  for (let k = 0; k < STEPS_PER_SLOT; k++) {
    const top = state.pending.peek();
    if (!top || top.dueMs > ms) return undefined;
    state.pending.pop();
    if (ms > top.step.untilMs) continue; // too late: the scenario is dropped
    const outcome = top.step.run(injectionContext(state, ms));
    const done = outcome ? emit(state, outcome, ms) : undefined;
    if (done) {
      if (done.record) return done.record;
      continue;
    }
    if (++top.tries < MAX_TRIES) {
      top.dueMs = ms + RETRY_MS;
      state.pending.push(top);
    }
  }
  return undefined;
}

/** An injected case (or a scenario's first settlement); `counts` when it is, or will be followed by, a labelled case. */
function inject(state: RunState, ms: number, decide: Random): { record: SimulatedRecord | undefined; counts: boolean } {
  for (let attempt = 0; attempt < 6; attempt++) {
    const injector = decide.weighted(state.injectors, (i) => i.weight ?? 1);
    const ctx = injectionContext(state, ms, attempt >= 3);
    for (let tries = 0; tries < 4; tries++) {
      let outcome: StepOutcome | undefined;
      if (injector.inject) {
        const c = injector.inject(ctx);
        if (c) outcome = { draft: c.draft, label: { kind: injector.kind, note: c.note, ...(c.line ? { line: c.line } : {}), ...(c.mayAlso ? { mayAlso: c.mayAlso } : {}) } };
      } else outcome = injector.start?.(ctx);
      if (!outcome) continue;
      const done = emit(state, outcome, ms);
      if (done) return { record: done.record, counts: done.record?.label !== undefined || outcome.labelFollows === true };
    }
  }
  return { record: undefined, counts: false };
}

/** Kinds the generator reads itself: per-settlement rules and price baselines (the history kinds are the scenarios' design). */
const READ_KINDS: ReadonlySet<AlertKind> = new Set<AlertKind>([
  'rx.gender_restricted', 'rx.age_restricted', 'rx.days_exceeded', 'rx.indication_mismatch', 'rx.duplicate_charge', 'rx.setting_restricted',
  'rx.high_amount', 'price.above_ceiling', 'price.outlier', 'price.facility_markup',
]);

interface Reading {
  /** Kinds the draft raises, with the lines concerned (none for settlement-level kinds). */
  readonly fired: Map<AlertKind, number[]>;
  /** A price reading too close to a threshold to trust. */
  readonly borderline: boolean;
  /** The over-charging hospital: its counted ratios and whether the mark-up alert fires. */
  readonly markup?: { ratios: number[]; fires: boolean };
}

/** The generator's reading of an injected or scenario draft, as of now. */
function readingOf(state: RunState, draft: Draft): Reading {
  const fired = new Map<AlertKind, number[]>(breaches(draft, draft.lines));
  const add = (kind: AlertKind, i?: number) => {
    let list = fired.get(kind);
    if (!list) fired.set(kind, (list = []));
    if (i !== undefined) list.push(i);
  };
  let borderline = false;
  const region = draft.facility.region;
  draft.lines.forEach((l, i) => {
    const v = outlierVerdict(l.pricFen, state.ledger.stats(l.item.code, region, draft.ms));
    if (v === 'yes') add('price.outlier', i);
    else if (v === 'borderline') borderline = true;
  });
  if (!draft.facility.overcharging) return { fired, borderline };
  const ratios = countedRatios(state, draft);
  const v = state.markup.verdict(ratios, localDate(draft.ms), draft.ms);
  if (v === 'yes') add('price.facility_markup');
  return { fired, borderline: borderline || v === 'borderline', markup: { ratios, fires: v === 'yes' } };
}

/**
 * Emits a scenario step or an injected case after checking it: an unlabelled settlement must raise
 * nothing the generator can read; a labelled one its kind (on its line) and otherwise only kinds it
 * declared it may also raise. Undefined when the check fails (nothing is emitted or recorded).
 */
function emit(state: RunState, outcome: StepOutcome, ms: number): { record: SimulatedRecord | undefined } | undefined {
  let record: SimulatedRecord | undefined;
  let emitted: Emitted | undefined;
  if (outcome.refundOf) {
    const settlement = makeRefund(state, outcome.refundOf, ms);
    emitted = { settlement, sns: [] };
    record = { settlement };
    state.lastMs = Math.max(state.lastMs, ms);
  } else if (outcome.draft) {
    const draft = outcome.draft;
    const label = outcome.label;
    const reading = readingOf(state, draft);
    if (reading.borderline) return undefined;
    const allowed = new Set<AlertKind>(label ? [label.kind, ...(label.mayAlso ?? [])] : []);
    for (const kind of reading.fired.keys()) if (!allowed.has(kind)) return undefined;
    if (label && READ_KINDS.has(label.kind)) {
      const lines = reading.fired.get(label.kind);
      if (!lines || (label.line && !lines.includes(draft.lines.indexOf(label.line)))) return undefined;
    }
    const { settlement, sns } = finalizeDraft(draft, state.seq, state.ctx.rng);
    recordPrices(state, draft, reading);
    emitted = { settlement, sns };
    record = { settlement };
    if (draft.ms < state.lastMs) record.late = true;
    state.lastMs = Math.max(state.lastMs, draft.ms);
    if (label) {
      const l: InjectionLabel = { kind: label.kind, note: label.note };
      const index = label.line ? draft.lines.indexOf(label.line) : -1;
      if (index >= 0) l.feedetl_sn = sns[index] as string;
      const also = ALERT_KINDS.filter((k) => k !== label.kind && reading.fired.has(k));
      if (also.length) l.also = also;
      record.label = l;
    }
  }
  const next = outcome.next?.(emitted);
  if (next) state.pending.push({ step: next, dueMs: next.dueMs, order: state.order++, tries: 0 });
  return { record };
}

/** Folds an emitted sale's prices into the ledger (and the over-charging hospital's mirror). */
function recordPrices(state: RunState, draft: Draft, reading?: Reading): void {
  const region = draft.facility.region;
  if (reading?.markup) state.markup.record(reading.markup.ratios, localDate(draft.ms), reading.markup.fires, draft.ms);
  for (const l of draft.lines) state.ledger.add(l.item.code, region, l.pricFen, draft.ms);
}

function background(state: RunState, ms: number): Settlement {
  const { ctx } = state;
  const hour = localHour(ms);
  const mix = hour >= 22 || hour < 7 ? MIX_NIGHT : MIX_DAY;
  let draft: Draft | undefined;
  for (let attempt = 0; attempt < 40 && !draft; attempt++) {
    const [medType] = ctx.rng.weighted(mix, ([, w]) => w);
    // Past a few failures the population is too small for the traffic: relax the visit guards.
    const candidate = TEMPLATES[medType](attempt < 20 ? ctx : { ...ctx, relaxed: true }, ms);
    if (candidate && breaches(candidate, candidate.lines).size === 0) draft = candidate;
  }
  if (!draft) throw new Error(`simulator: could not build a clean settlement at ${new Date(ms).toISOString()} (population too small for the traffic?)`);
  const { settlement } = finalizeDraft(draft, state.seq, ctx.rng);
  recordPrices(state, draft);
  state.lastMs = Math.max(state.lastMs, ms);
  state.recent.push(settlement);
  if (state.recent.length > RECENT_SALES) state.recent.shift();
  return settlement;
}

/** A refund (退费) of a recent background sale of the same person, mirroring its items. */
function refund(state: RunState, ms: number, decide: Random): Settlement {
  const recent = state.recent;
  const index = recent.length - 1 - decide.int(Math.min(recent.length, 200));
  const [orig] = recent.splice(index, 1) as [Settlement];
  state.lastMs = Math.max(state.lastMs, ms);
  return makeRefund(state, orig, ms);
}

function makeRefund(state: RunState, orig: Settlement, ms: number): Settlement {
  state.seq.settlements += 1;
  const n = String(state.seq.settlements).padStart(10, '0');
  return {
    ...orig,
    setl_id: `S${state.seq.tag}${n}`,
    setl_type: 'refund',
    orig_setl_id: orig.setl_id,
    setl_time: formatLocal(ms),
    items: orig.items.map((item, i) => ({
      ...item,
      feedetl_sn: `F${state.seq.tag}${n}${String(i + 1).padStart(3, '0')}`,
      ...(item.drug_trac_codg ? { drug_trac_codg: [...item.drug_trac_codg] } : {}),
    })),
  };
}

/** A binary min-heap (the pending steps of running scenarios). */
class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#less = compare;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#less(a[i] as T, a[parent] as T) >= 0) break;
      [a[i], a[parent]] = [a[parent] as T, a[i] as T];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.#less(a[l] as T, a[m] as T) < 0) m = l;
        if (r < a.length && this.#less(a[r] as T, a[m] as T) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as T, a[i] as T];
        i = m;
      }
    }
    return top;
  }
}
