/**
 * The traffic generator: a seeded stream of settlements in ascending event time — general and
 * chronic outpatient visits, inpatient stays settled at discharge, pharmacy purchases, about 1 %
 * refunds — with a configurable share of labelled injected cases, one kind each (`injections.ts`).
 *
 * Background traffic is clean for every kind in `rules.ts` `CLEAN_KINDS` (each draft is checked
 * before it is emitted) and, by the guards of `history.ts`, of the history-based kinds as well.
 * Memory is bounded by the population, not by the number of settlements: `simulate` is a generator
 * and keeps only a short ring of recent sales (for refunds).
 */
import type { Catalogue } from '../../pipeline/catalogue/catalogue.js';
import { ALERT_KINDS, type AlertKind } from '../../pipeline/contracts/alert.js';
import type { Settlement } from '../../pipeline/contracts/settlement.js';
import { DAY_MS } from '../../pipeline/time/event-time.js';
import { createSequencer, finalizeDraft, type Draft, type MedType, type Sequencer } from './draft.js';
import { createFormulary, type Formulary } from './formulary.js';
import { INJECTORS, type InjectedCase, type Injector } from './injections.js';
import type { InjectionLabel } from './labels.js';
import { createPopulation, type Population } from './population.js';
import { createPriceBook, type PriceBook } from './prices.js';
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
  /** Present on injected cases: the kind the settlement is meant to trip. */
  label?: InjectionLabel;
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

interface RunState {
  readonly ctx: TrafficContext;
  readonly seq: Sequencer;
  readonly injectors: readonly Injector[];
  readonly recent: Settlement[];
}

/**
 * The stream of simulated settlements, ascending in `setl_time`. Options are checked at once (a
 * `RangeError` lists every problem); records are produced lazily, one at a time.
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
  const persons = options.persons ?? Math.min(300_000, Math.max(500, Math.round(options.settlements / 3)));
  const facilities = options.facilities ?? Math.min(3000, Math.max(24, Math.round(options.settlements / 200)));
  const population: Population = createPopulation(root.fork('population'), { persons, facilities, startMs, idTag: `P${seq.tag}` });
  const rng = root.fork('traffic');
  const ctx: TrafficContext = { rng, formulary, prices, population };
  const wanted = new Set(options.kinds ?? simulatorKinds());
  const state: RunState = {
    ctx,
    seq,
    injectors: INJECTORS.filter((i) => wanted.has(i.kind) && i.available(formulary)),
    recent: [],
  };
  const rate = options.injectionRate ?? DEFAULT_INJECTION_RATE;
  const decide = root.fork('decisions');

  for (const ms of arrivalTimes(root.fork('time'), startMs, options.spanDays * DAY_MS, options.settlements)) {
    const roll = decide.next();
    if (roll < REFUND_SHARE && state.recent.length) {
      yield { settlement: refund(state, ms, decide) };
      continue;
    }
    if (roll < REFUND_SHARE + rate && state.injectors.length) {
      const injected = inject(state, ms, decide);
      if (injected) {
        yield injected;
        continue;
      }
    }
    yield { settlement: background(state, ms) };
  }
}

function inject(state: RunState, ms: number, decide: Random): SimulatedRecord | undefined {
  for (let attempt = 0; attempt < 6; attempt++) {
    const injector = decide.pick(state.injectors);
    const ctx = { ...state.ctx, ms, relaxed: attempt >= 3 };
    let made: InjectedCase | undefined;
    for (let tries = 0; tries < 4 && !made; tries++) {
      const candidate = injector.inject(ctx);
      if (candidate && isExactly(candidate, injector.kind)) made = candidate;
    }
    if (!made) continue;
    const { settlement, sns } = finalizeDraft(made.draft, state.seq, state.ctx.rng);
    const index = made.line ? made.draft.lines.indexOf(made.line) : -1;
    const label: InjectionLabel = { kind: injector.kind, note: made.note };
    if (index >= 0) label.feedetl_sn = sns[index] as string;
    return { settlement, label };
  }
  return undefined;
}

/** The case trips its kind (on its line, when it names one) and nothing else. */
function isExactly(c: InjectedCase, kind: AlertKind): boolean {
  const found: ReadonlyMap<AlertKind, number[]> = breaches(c.draft, c.draft.lines);
  const lines = found.get(kind);
  if (found.size !== 1 || !lines) return false;
  if (!c.line) return true;
  return lines.includes(c.draft.lines.indexOf(c.line));
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
  state.recent.push(settlement);
  if (state.recent.length > RECENT_SALES) state.recent.shift();
  return settlement;
}

/** A refund (退费) of a recent background sale of the same person, mirroring its items. */
function refund(state: RunState, ms: number, decide: Random): Settlement {
  const recent = state.recent;
  const index = recent.length - 1 - decide.int(Math.min(recent.length, 200));
  const [orig] = recent.splice(index, 1) as [Settlement];
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
