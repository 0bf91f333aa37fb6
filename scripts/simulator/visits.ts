/**
 * Background visit templates: general outpatient (医疗类别 11) at hospitals and clinics, chronic
 * outpatient (14), inpatient stays (21, settled at discharge) and pharmacy purchases (41). Each
 * builds a clean draft — every line permitted for the person and setting, no clash, history
 * guards respected, total under the high-amount threshold — or returns undefined when it cannot.
 */
import { DAY_MS } from '../../pipeline/time/event-time.js';
import type { Diagnosis } from '../../pipeline/contracts/settlement.js';
import { CONDITIONS, SEX_DIAG, type Condition } from './conditions.js';
import {
  addCleanLine, addDiag, isDrug, newDraft, trimToCap,
  type Draft, type LineOptions, type MedType,
} from './draft.js';
import type { DrugUse, Formulary, FormularyItem } from './formulary.js';
import { canAdmit, canVisit } from './history.js';
import type { Facility, FacilityKind, Person, Population } from './population.js';
import type { PriceBook } from './prices.js';
import type { Random } from './random.js';
import { hash32 } from './random.js';
import { BACKGROUND_CAP_FEN } from './rules.js';
import { localMidnight } from './timeline.js';

export interface TrafficContext {
  readonly rng: Random;
  readonly formulary: Formulary;
  readonly prices: PriceBook;
  readonly population: Population;
  /**
   * Set when the population is too small for the traffic: persons may then have more visits in 30
   * days (never a 12th) and closer together. Never relaxes anything that would trip a kind.
   */
  readonly relaxed?: boolean;
}

/** Optional choices a caller (an injector) imposes on a template. */
export interface VisitChoice {
  /** The person (the caller has checked that they may settle now). */
  person?: Person;
  facility?: Facility;
  condition?: Condition;
  /** The principal diagnosis (else one of the condition's). */
  principal?: Diagnosis;
  /** Stays: the admission (else 2–14 days before). */
  begnMs?: number;
  /** Stays with a given person: skip the admission guard (a scenario that checked what it needs). */
  unchecked?: boolean;
}

const PERSON_TRIES = 12;

/** A person from `pool` who may settle at `ms` (and passes `accept`), or undefined. */
export function pickPerson(ctx: TrafficContext, ms: number, pool: readonly Person[], accept: (p: Person) => boolean = () => true): Person | undefined {
  if (!pool.length) return undefined;
  for (let i = 0; i < PERSON_TRIES; i++) {
    const p = ctx.rng.pick(pool);
    if (canVisit(p.history, ms, ctx.relaxed === true) && accept(p)) return p;
  }
  return undefined;
}

/** Facilities of some kinds in a region with their cumulative volumes, per population. */
const facilityChoices = new WeakMap<Population, Map<string, { list: Facility[]; cumulative: number[] }>>();

function pickFacility(ctx: TrafficContext, person: Person, kinds: readonly FacilityKind[], home: number | undefined): Facility {
  const homeFacility = home === undefined ? undefined : ctx.population.facilities[home];
  if (homeFacility && kinds.includes(homeFacility.kind) && ctx.rng.chance(0.7)) return homeFacility;
  let byKey = facilityChoices.get(ctx.population);
  if (!byKey) facilityChoices.set(ctx.population, (byKey = new Map()));
  const key = `${person.region}|${kinds.join(',')}`;
  let choice = byKey.get(key);
  if (!choice) {
    const list = kinds.flatMap((k) => ctx.population.facilitiesOf(person.region, k));
    let sum = 0;
    byKey.set(key, (choice = { list, cumulative: list.map((f) => (sum += f.volume)) }));
  }
  const r = ctx.rng.next() * (choice.cumulative[choice.cumulative.length - 1] ?? 0);
  const i = choice.cumulative.findIndex((c) => r < c);
  return choice.list[i < 0 ? choice.list.length - 1 : i] as Facility;
}

function ageOf(person: Person, ms: number): number {
  return (ms - Date.parse(`${person.brdy}T00:00:00+08:00`)) / (365.2425 * DAY_MS);
}

function eligible(c: Condition, person: Person, age: number): boolean {
  return age >= c.ageMin && age <= c.ageMax && (!c.sex || c.sex === person.gend);
}

/** An acute (or, sometimes, the person's chronic) condition for a visit. */
export function chooseCondition(ctx: TrafficContext, person: Person, ms: number, setting: 'acute' | 'chronic' | 'inpatient'): Condition | undefined {
  const age = ageOf(person, ms);
  if (setting === 'chronic' && person.chronic.length) return ctx.rng.pick(person.chronic);
  if (setting === 'acute' && person.chronic.length && ctx.rng.chance(0.3)) return ctx.rng.pick(person.chronic);
  const pool = CONDITIONS.filter((c) => (setting === 'inpatient' ? c.inpatient : c.acute) && eligible(c, person, age));
  return pool.length ? ctx.rng.weighted(pool, (c) => c.weight) : undefined;
}

const PACK_DAYS = [7, 10, 14, 15, 28, 30] as const;

/** Quantity and days of supply of a drug line for a setting. */
export function drugLineOptions(ctx: TrafficContext, draft: Draft, item: FormularyItem, chronic: boolean): LineOptions {
  const rng = ctx.rng;
  const e = item.entry;
  const pack = item.packDays;
  /** Ampoules and vials, counted per dose rather than per package. */
  const perDose = item.category === 'injection' && pack === undefined;
  if (draft.medType === '21') {
    const cnt = perDose ? draft.stayDays * rng.intBetween(1, 2) : Math.max(1, Math.ceil(draft.stayDays / (pack ?? 14)));
    return { cnt };
  }
  let desired: number;
  if (perDose) desired = rng.intBetween(1, 3);
  else if (item.category === 'topical') desired = 7;
  else if (draft.medType === '14') {
    const r = rng.next();
    desired = r < 0.75 ? rng.intBetween(28, 30) : r < 0.95 ? rng.intBetween(56, 60) : rng.intBetween(84, 90);
  } else if (chronic) desired = draft.medType === '41' ? rng.intBetween(28, 30) : rng.intBetween(7, 14);
  else desired = rng.intBetween(3, 7);
  const limit = draft.medType === '14' && e.max_days_chronic !== undefined ? e.max_days_chronic : e.max_days;
  const prdDays = Math.max(1, limit === undefined ? desired : Math.min(desired, limit));
  let cnt: number;
  if (perDose) cnt = prdDays * rng.intBetween(1, 2);
  else if (item.category === 'topical') cnt = rng.intBetween(1, 2);
  else cnt = Math.min(15, Math.max(1, Math.ceil(prdDays / (pack ?? PACK_DAYS[hash32('pack', item.code) % PACK_DAYS.length] ?? 14))));
  const traced = draft.medType === '41' || (draft.medType === '14' && rng.chance(0.5)) || (draft.medType === '11' && rng.chance(0.15));
  return { cnt, prdDays, traced: traced && item.listType === '101' };
}

/** 静脉输液 with ampoule-type injections (one line: a service is billed once per visit). */
function addInfusion(ctx: TrafficContext, draft: Draft): void {
  const injections = draft.lines.filter((l) => l.item.category === 'injection' && l.item.packDays === undefined);
  if (!injections.length || !ctx.formulary.infusion.length) return;
  addCleanLine(draft, ctx.rng.pick(ctx.formulary.infusion), ctx.prices, { cnt: draft.stayDays });
}

/** Share of drug picks made among the common items of a condition (the rest among all its drugs). */
const COMMON_DRUG_SHARE = 0.75;

/** Adds up to `count` drugs for a condition (common items preferred). */
function addDrugs(ctx: TrafficContext, draft: Draft, condition: Condition, count: number, use: DrugUse): number {
  const { all, common } = ctx.formulary.drugPool(condition.id, use);
  let added = 0;
  for (let tries = 0; added < count && tries < count * 4 && all.length; tries++) {
    const item = ctx.rng.pick(common.length && ctx.rng.chance(COMMON_DRUG_SHARE) ? common : all);
    if (addCleanLine(draft, item, ctx.prices, drugLineOptions(ctx, draft, item, condition.chronic))) added++;
  }
  return added;
}

function addTests(ctx: TrafficContext, draft: Draft, condition: Condition | undefined, count: number): void {
  const specific = condition ? ctx.formulary.testsFor(condition.id) : [];
  for (let tries = 0, added = 0; added < count && tries < count * 4; tries++) {
    const pool = specific.length && ctx.rng.chance(0.6) ? specific : ctx.formulary.routineTests;
    if (!pool.length) return;
    const item = ctx.rng.pick(pool);
    if (addCleanLine(draft, item, ctx.prices, { cnt: 1 })) added++;
  }
}

/** Occasionally an item with a restriction, where this person and setting are allowed it. */
function addPermittedRestricted(ctx: TrafficContext, draft: Draft): void {
  const pool = ctx.formulary.restricted;
  if (!pool.length) return;
  for (let tries = 0; tries < 10; tries++) {
    const item = ctx.rng.pick(pool);
    if (draft.medType === '41' && !isDrug(item)) continue;
    if (item.category === 'procedure' || (item.category === 'injection' && draft.medType === '41')) continue;
    const opts: LineOptions = isDrug(item) ? drugLineOptions(ctx, draft, item, false) : { cnt: 1 };
    const line = addCleanLine(draft, item, ctx.prices, opts);
    if (line) {
      const sex = item.entry.sex;
      if (sex && !item.entry.indications?.length) addDiag(draft, SEX_DIAG[sex]);
      return;
    }
  }
}

function withPrincipal(draft: Draft, condition: Condition, rng: Random, principal?: Diagnosis): void {
  addDiag(draft, principal ?? rng.pick(condition.diag));
}

/** 普通门诊 (11) at a hospital or clinic. */
export function outpatientVisit(ctx: TrafficContext, ms: number, choice: VisitChoice = {}): Draft | undefined {
  const person = choice.person ?? pickPerson(ctx, ms, ctx.population.persons);
  if (!person) return undefined;
  const condition = choice.condition ?? chooseCondition(ctx, person, ms, 'acute');
  if (!condition) return undefined;
  const facility = choice.facility ?? pickFacility(ctx, person, ['public_hospital', 'private_hospital', 'clinic'], person.homeClinic);
  const draft = newDraft({ medType: '11', person, facility, ms, doctor: ctx.rng.pick(facility.doctors) });
  withPrincipal(draft, condition, ctx.rng, choice.principal);
  const consults = ctx.formulary.outpatientConsults;
  if (consults.length && ctx.rng.chance(0.85)) addCleanLine(draft, ctx.rng.pick(consults), ctx.prices, { cnt: 1 });
  if (ctx.rng.chance(0.4)) addTests(ctx, draft, condition, ctx.rng.intBetween(1, 2));
  addDrugs(ctx, draft, condition, ctx.rng.intBetween(1, 3), ctx.rng.chance(0.3) ? 'outpatient_ampoules' : 'outpatient');
  if (ctx.rng.chance(0.05)) addPermittedRestricted(ctx, draft);
  addInfusion(ctx, draft);
  return settle(draft, BACKGROUND_CAP_FEN.outpatient);
}

/** 门诊慢特病 (14): a chronic patient's regular prescription, usually at a hospital. */
export function chronicVisit(ctx: TrafficContext, ms: number, choice: VisitChoice = {}): Draft | undefined {
  const person = choice.person ?? pickPerson(ctx, ms, ctx.population.chronicPersons);
  if (!person || !person.chronic.length) return undefined;
  const condition = choice.condition ?? ctx.rng.pick(person.chronic);
  const facility = choice.facility ?? pickFacility(ctx, person, ['public_hospital', 'private_hospital', 'clinic'], person.homeClinic);
  const draft = newDraft({ medType: '14', person, facility, ms, doctor: ctx.rng.pick(facility.doctors) });
  withPrincipal(draft, condition, ctx.rng);
  const consults = ctx.formulary.outpatientConsults;
  if (consults.length && ctx.rng.chance(0.5)) addCleanLine(draft, ctx.rng.pick(consults), ctx.prices, { cnt: 1 });
  if (ctx.rng.chance(0.3)) addTests(ctx, draft, condition, 1);
  addDrugs(ctx, draft, condition, ctx.rng.intBetween(1, 3), 'chronic');
  const other = person.chronic.find((c) => c !== condition);
  if (other && ctx.rng.chance(0.4) && addDrugs(ctx, draft, other, 1, 'chronic')) withPrincipal(draft, other, ctx.rng);
  return settle(draft, BACKGROUND_CAP_FEN.outpatient);
}

/** 药店购药 (41) at a retail pharmacy, with trace codes. */
export function pharmacyPurchase(ctx: TrafficContext, ms: number, choice: VisitChoice = {}): Draft | undefined {
  const person = choice.person ?? pickPerson(ctx, ms, ctx.population.persons);
  if (!person) return undefined;
  const condition = choice.condition ?? (person.chronic.length && ctx.rng.chance(0.5) ? ctx.rng.pick(person.chronic) : chooseCondition(ctx, person, ms, 'acute'));
  if (!condition) return undefined;
  const facility = choice.facility ?? pickFacility(ctx, person, ['pharmacy'], person.homePharmacy);
  const draft = newDraft({ medType: '41', person, facility, ms, doctor: ctx.rng.pick(facility.doctors) });
  withPrincipal(draft, condition, ctx.rng);
  addDrugs(ctx, draft, condition, ctx.rng.intBetween(1, 3), 'pharmacy');
  if (ctx.rng.chance(0.04)) addPermittedRestricted(ctx, draft);
  return settle(draft, BACKGROUND_CAP_FEN.outpatient);
}

/** 普通住院 (21): a stay of 2–14 days, settled at discharge; daily ward services, tests, drugs. */
export function inpatientStay(ctx: TrafficContext, ms: number, choice: VisitChoice = {}): Draft | undefined {
  const rng = ctx.rng;
  const days = rng.weighted([2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14], (d) => (d <= 3 ? 1 : d <= 9 ? 2 : 0.8));
  const begnMs = choice.begnMs ?? localMidnight(ms) - days * DAY_MS + rng.intBetween(8 * 60, 18 * 60) * 60_000;
  if (!(begnMs < ms)) return undefined;
  const pool = ctx.population.persons;
  let person = choice.person;
  if (!person) {
    for (let i = 0; i < PERSON_TRIES && !person; i++) {
      const p = rng.pick(pool);
      if (canAdmit(p.history, begnMs, ms)) person = p;
    }
  }
  if (!person || (!choice.unchecked && !canAdmit(person.history, begnMs, ms))) return undefined;
  const condition = choice.condition ?? chooseCondition(ctx, person, ms, 'inpatient');
  if (!condition) return undefined;
  const facility = choice.facility ?? pickFacility(ctx, person, rng.chance(0.8) ? ['public_hospital'] : ['private_hospital'], undefined);
  const draft = newDraft({ medType: '21' satisfies MedType, person, facility, ms, begnMs, doctor: rng.pick(facility.doctors) });
  withPrincipal(draft, condition, rng, choice.principal);
  const f = ctx.formulary;
  for (const pool of [f.wardConsults, f.beds, f.nursing]) {
    if (!pool.length) continue;
    const item = rng.pick(pool);
    const perDay = item.entry.max_per_day;
    const cnt = perDay === undefined ? draft.stayDays : Math.floor(perDay * draft.stayDays);
    if (cnt >= 1) addCleanLine(draft, item, ctx.prices, { cnt });
  }
  addTests(ctx, draft, condition, rng.intBetween(2, 5));
  if (f.commonImaging.length && rng.chance(0.6)) addCleanLine(draft, rng.pick(f.commonImaging), ctx.prices, { cnt: 1 });
  addDrugs(ctx, draft, condition, rng.intBetween(2, 4), 'inpatient');
  for (let i = 0, n = rng.intBetween(1, 3); i < n && f.wardDrugs.length; i++) {
    const item = rng.weighted(f.wardDrugs, (i) => (i.common ? 30 : 1));
    addCleanLine(draft, item, ctx.prices, drugLineOptions(ctx, draft, item, false));
  }
  if (rng.chance(0.12)) addPermittedRestricted(ctx, draft);
  addInfusion(ctx, draft);
  return settle(draft, BACKGROUND_CAP_FEN.inpatient);
}

function settle(draft: Draft, capFen: number): Draft | undefined {
  trimToCap(draft, capFen);
  return draft.lines.length ? draft : undefined;
}

/** The background templates by 医疗类别. */
export const TEMPLATES: Readonly<Record<MedType, (ctx: TrafficContext, ms: number, choice?: VisitChoice) => Draft | undefined>> = {
  '11': outpatientVisit,
  '14': chronicVisit,
  '21': inpatientStay,
  '41': pharmacyPurchase,
};
