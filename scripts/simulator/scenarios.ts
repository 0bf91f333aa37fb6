/**
 * Injected cases that need more than one settlement: the history and reflow kinds, and
 * `rx.deceased`. Each injector starts a scenario — a setup settlement now, the offending one later —
 * whose settlements are all checked by the generator (every one but the labelled one must raise
 * nothing) and whose person is reserved while it unfolds, so the detectors see exactly the
 * scenario's settlements of them in that time (see `history.ts`). Each kind also has near misses:
 * unlabelled settlements that come close and must not fire.
 *
 * | kind | labelled case | near miss (unlabelled) |
 * |---|---|---|
 * | `rx.test_frequency` | the same interval-limited test (HbA1c: 15 days) again at another facility within the interval | again after the interval |
 * | `rx.deceased` | a settlement dated after the notified death | a settlement on the day of death (and all before it) |
 * | `rx.inpatient_overlap` | an outpatient or pharmacy settlement inside a stay at another facility: the visit first (fires on the stay), or the stay first and the visit uploaded late (fires on the visit) | the same at the stay's own facility |
 * | `rx.readmission` | an admission at the same facility with the same principal diagnosis < 15 days after a discharge | the same at another hospital |
 * | `rx.frequent_visits` | the 13th outpatient/pharmacy settlement in a few days | stopping at 12 |
 * | `reflow.trace_code_reuse` | a package's trace code sold again at another pharmacy | sold, refunded, sold again |
 * | `reflow.stockpile` | a third 30-day supply of one drug within days | second supply refunded, then a third |
 * | `reflow.pharmacy_hopping` | the same drug group at a third distinct facility within days (a hospital may be the second) | the third purchase at the first pharmacy again |
 */
import type { Diagnosis, Settlement } from '../../pipeline/contracts/settlement.js';
import { DAY_MS, localDate, localDayNumber } from '../../pipeline/time/event-time.js';
import {
  ageAt, cached, personFits, type Emitted, type InjectionContext, type Injector, type PendingStep, type StepOutcome,
} from './case-kit.js';
import { CONDITIONS, type Condition } from './conditions.js';
import { addCleanLine, clashesWith, trimToCap, type Draft, type DraftLine, type GuardWaiver } from './draft.js';
import type { FormularyItem } from './formulary.js';
import {
  canAdmit, canTest, canVisit, HISTORY_GUARDS, isFree, remainingSupplyDays, sellersNear, stayGapOk, supplyEndMs, visitsNear,
} from './history.js';
import type { Facility, FacilityKind, Person } from './population.js';
import { BACKGROUND_CAP_FEN } from './rules.js';
import { localMidnight } from './timeline.js';
import { chooseCondition, inpatientStay, outpatientVisit, pharmacyPurchase, type TrafficContext } from './visits.js';

const HOUR = 3_600_000;
const DAY = DAY_MS;
const GAP = HISTORY_GUARDS.minGapMs;

// ---- helpers ---------------------------------------------------------------------------------

function step(dueMs: number, untilMs: number, run: PendingStep['run']): PendingStep {
  return { dueMs, untilMs, run };
}

/** A person a scenario may take now: free, never dying in this run, and allowed a visit. */
function scenarioPerson(ctx: InjectionContext, pool: readonly Person[], accept: (p: Person) => boolean = () => true): Person | undefined {
  if (!pool.length) return undefined;
  for (let i = 0; i < 16; i++) {
    const p = ctx.rng.pick(pool);
    const h = p.history;
    if (h.deadFromMs !== Number.POSITIVE_INFINITY || !canVisit(h, ctx.ms) || !accept(p)) continue;
    return p;
  }
  return undefined;
}

/** Holds the person for the scenario until `untilMs`. */
function reserve(p: Person, untilMs: number): void {
  p.history.reservedUntilMs = Math.max(p.history.reservedUntilMs, untilMs);
}

/** The scenario's own person may settle again at `ms` (spacing and the visit-count guard; alive unless `dead` is meant). */
function mayVisit(p: Person, ms: number, dead = false): boolean {
  const h = p.history;
  return ms - h.lastSaleMs >= GAP && visitsNear(h, ms) < HISTORY_GUARDS.maxVisitsIn30Days && (dead || ms < h.deadFromMs);
}

/** An instant `minMs`–`maxMs` after `fromMs`, squeezed to end an hour before the span does (undefined when it cannot). */
function later(ctx: InjectionContext, fromMs: number, minMs: number, maxMs: number): number | undefined {
  const room = ctx.endMs - HOUR - fromMs;
  if (room < minMs) return undefined;
  return fromMs + ctx.rng.between(minMs, Math.min(maxMs, room));
}

/** Another facility of these kinds, in the person's region if there is one, else anywhere. */
function otherFacility(ctx: TrafficContext, region: number, kinds: readonly FacilityKind[], except: readonly Facility[]): Facility | undefined {
  const lists = kinds.map((k) => ctx.population.facilitiesOf(region, k));
  const total = lists.reduce((n, l) => n + l.length, 0);
  for (let tries = 0; tries < 12 && total > 0; tries++) {
    let r = ctx.rng.int(total);
    for (const l of lists) {
      if (r < l.length) {
        const f = l[r] as Facility;
        if (!except.includes(f)) return f;
        break;
      }
      r -= l.length;
    }
  }
  const all = ctx.population.facilities.filter((f) => kinds.includes(f.kind) && !f.overcharging && !except.includes(f));
  return all.length ? ctx.rng.pick(all) : undefined;
}

const HOSPITALS: readonly FacilityKind[] = ['public_hospital', 'private_hospital'];
const CLINICS: readonly FacilityKind[] = ['public_hospital', 'private_hospital', 'clinic'];

/** Days of supply → packages (the pack size when the name says, else a 30-day box). */
function packagesFor(item: FormularyItem, days: number): number {
  return Math.min(15, Math.max(1, Math.ceil(days / (item.packDays ?? 30))));
}

/**
 * Puts a drug on the draft with the given days of supply (traced at a pharmacy), as a clean line
 * but for the guards waived; keeps the total under the high-amount threshold.
 */
function drugLine(ctx: TrafficContext, draft: Draft, item: FormularyItem, prdDays: number, waive: GuardWaiver = {}, presetCodes?: readonly string[]): DraftLine | undefined {
  draft.lines = draft.lines.filter((l) => !clashesWith(l.item, item));
  const cnt = Math.max(presetCodes?.length ?? 1, packagesFor(item, prdDays));
  const traced = item.listType === '101' && (draft.medType === '41' || presetCodes !== undefined);
  const line = addCleanLine(draft, item, ctx.prices, { cnt, prdDays, traced, ...(presetCodes ? { presetCodes } : {}) }, waive);
  if (!line) return undefined;
  trimToCap(draft, BACKGROUND_CAP_FEN.outpatient, [line]);
  return draft.lines.includes(line) ? line : undefined;
}

/** An outpatient visit (at a clinic or hospital) or a pharmacy purchase for the person. */
function anyVisit(ctx: TrafficContext, ms: number, person: Person, facility?: Facility, condition?: Condition): Draft | undefined {
  const pharmacy = facility ? facility.kind === 'pharmacy' : ctx.rng.chance(0.5);
  const choice = { person, ...(facility ? { facility } : {}), ...(condition ? { condition } : {}) };
  return pharmacy ? pharmacyPurchase(ctx, ms, choice) : outpatientVisit(ctx, ms, choice);
}

const where = (f: Facility) => f.code;
const days = (ms: number) => (ms / DAY).toFixed(1);

/** Drugs any adult may buy at a pharmacy (no sex, age, setting or indication restriction, a known pack). */
const pharmacyDrugs = cached((f) =>
  f.items.filter(
    (i) => (i.category === 'oral' || (i.category === 'injection' && i.packDays !== undefined)) && i.listType === '101' && !i.entry.sex && i.entry.age_min === undefined && i.entry.age_max === undefined && !i.entry.inpatient_only && !i.entry.indications?.length,
  ),
);

/** A condition's drug for a pharmacy purchase (common ones preferred), allowing `prdDays` days. */
function pharmacyDrugFor(ctx: TrafficContext, condition: Condition | undefined, prdDays: number, accept: (i: FormularyItem) => boolean): FormularyItem | undefined {
  const fits = (i: FormularyItem) => (i.entry.max_days === undefined || i.entry.max_days >= prdDays) && accept(i);
  const pool = condition ? ctx.formulary.drugPool(condition.id, 'pharmacy') : { all: [], common: [] };
  const any = pharmacyDrugs(ctx.formulary);
  for (const list of [pool.common, pool.all, commonPharmacyDrugs(ctx.formulary), any]) {
    // A few random tries first (the lists can be long), then a full scan of the short ones.
    for (let k = 0; k < 12 && list.length; k++) {
      const i = ctx.rng.pick(list);
      if (fits(i)) return i;
    }
    if (list.length <= 200) {
      const ok = list.filter(fits);
      if (ok.length) return ctx.rng.pick(ok);
    }
  }
  return undefined;
}
const commonPharmacyDrugs = cached((f) => pharmacyDrugs(f).filter((i) => i.common));

// ---- rx.test_frequency -----------------------------------------------------------------------

const intervalTests = cached((f) =>
  f.items.filter(
    (i) => i.listType === '201' && i.entry.min_interval_days !== undefined && i.entry.min_interval_days >= 3 && (i.category === 'test' || i.category === 'imaging' || i.category === 'service') && !i.entry.sex && i.entry.age_min === undefined && i.entry.age_max === undefined && !i.entry.inpatient_only && !i.entry.indications?.length,
  ),
);
/** Persons with a chronic condition (computed once per population). */
const byCondition = new WeakMap<object, Map<Condition, Person[]>>();
function withCondition(ctx: TrafficContext, condition: Condition): readonly Person[] {
  let map = byCondition.get(ctx.population);
  if (!map) byCondition.set(ctx.population, (map = new Map()));
  let list = map.get(condition);
  if (!list) map.set(condition, (list = ctx.population.chronicPersons.filter((p) => p.chronic.includes(condition))));
  return list;
}

const hba1c = cached((f) => intervalTests(f).find((i) => i.code === '002503020030000') ?? intervalTests(f).find((i) => i.entry.name.startsWith('糖化血红蛋白')));

const testFrequency: Injector = {
  kind: 'rx.test_frequency',
  description: 'The same interval-limited test (HbA1c: 15 days) billed again at another facility within its min_interval_days; near miss: after it.',
  available: (f) => intervalTests(f).length > 0,
  start(ctx) {
    const preferred = hba1c(ctx.formulary);
    const test = preferred && ctx.rng.chance(0.7) ? preferred : ctx.rng.pick(intervalTests(ctx.formulary));
    const interval = test.entry.min_interval_days as number;
    const nearMiss = ctx.rng.chance(0.2);
    const dueMs = nearMiss ? later(ctx, ctx.ms, (interval + 1.2) * DAY, (interval + 2) * DAY) : later(ctx, ctx.ms, 0.3 * DAY, (interval - 2) * DAY);
    if (dueMs === undefined) return undefined;
    const diabetes = CONDITIONS.find((c) => c.id === 'diabetes');
    const diabetic = diabetes ? withCondition(ctx, diabetes) : [];
    const pool = test === preferred && diabetic.length && ctx.rng.chance(0.7) ? diabetic : ctx.population.persons;
    const person = scenarioPerson(ctx, pool, (p) => ageAt(p, ctx.ms) >= 18 && personFits(test, p, ctx.ms) && canTest(p.history, test.code, interval, ctx.ms));
    if (!person) return undefined;
    const condition = diabetes && person.chronic.includes(diabetes) && test === preferred ? diabetes : undefined;
    const draft = outpatientVisit(ctx, ctx.ms, { person, ...(condition ? { condition } : {}) });
    if (!draft || !addCleanLine(draft, test, ctx.prices, { cnt: 1 })) return undefined;
    const first = draft.facility;
    const t1 = ctx.ms;
    return {
      draft,
      labelFollows: !nearMiss,
      next: () =>
        step(dueMs, nearMiss ? dueMs + 2 * DAY : t1 + (interval - 1) * DAY, (c) => {
          if (!mayVisit(person, c.ms) || !isFree(person.history, c.ms)) return undefined;
          const facility = otherFacility(c, person.region, CLINICS, [first]);
          if (!facility) return undefined;
          const d = outpatientVisit(c, c.ms, { person, facility, ...(condition ? { condition } : {}) });
          if (!d) return undefined;
          d.lines = d.lines.filter((l) => !clashesWith(l.item, test));
          const line = addCleanLine(d, test, c.prices, { cnt: 1 }, { testFrequency: !nearMiss });
          if (!line) return undefined;
          if (nearMiss) return { draft: d };
          return { draft: d, label: { kind: 'rx.test_frequency', line, note: `「${test.entry.name}」${days(c.ms - t1)} 天前已在 ${where(first)} 检查（限 ${interval} 天一次），又在 ${where(facility)} 检查` } };
        }),
    };
  },
};

// ---- rx.deceased -----------------------------------------------------------------------------

const deceased: Injector = {
  kind: 'rx.deceased',
  description: 'A settlement for a person whose notified death date is before its date (冒用); near miss: a settlement on the day of death.',
  available: () => true,
  start(ctx) {
    if (ctx.rng.chance(0.25)) {
      // Near miss: a person who dies during the span, settled on their day of death.
      const upcoming = ctx.deaths.filter((d) => d.nearMiss && d.deadFromMs - DAY + 20 * HOUR > ctx.ms + HOUR && d.deadFromMs - DAY + 9 * HOUR < ctx.endMs);
      if (upcoming.length) {
        const death = ctx.rng.pick(upcoming);
        const dayStart = death.deadFromMs - DAY;
        const dueMs = Math.max(ctx.ms + HOUR, dayStart + ctx.rng.between(9, 16) * HOUR);
        return {
          next: () =>
            step(dueMs, dayStart + 22 * HOUR, (c) => {
              if (!mayVisit(death.person, c.ms) || !isFree(death.person.history, c.ms)) return undefined;
              const d = anyVisit(c, c.ms, death.person);
              return d && { draft: d };
            }),
        };
      }
    }
    const dead = ctx.deaths.filter((d) => !d.nearMiss && d.deadFromMs <= ctx.ms && mayVisit(d.person, ctx.ms, true) && visitsNear(d.person.history, ctx.ms) < 4);
    if (!dead.length) return undefined;
    const death = ctx.rng.pick(dead);
    const draft = anyVisit(ctx, ctx.ms, death.person);
    if (!draft) return undefined;
    const what = draft.medType === '41' ? '购药' : '门诊';
    return { draft, label: { kind: 'rx.deceased', note: `参保人已于 ${death.deathDate} 死亡，${localDate(ctx.ms)} 仍以其身份在 ${where(draft.facility)} ${what}结算（冒用死亡人员）` } };
  },
};

// ---- rx.inpatient_overlap --------------------------------------------------------------------

const inpatientOverlap: Injector = {
  kind: 'rx.inpatient_overlap',
  description: 'An outpatient or pharmacy settlement inside a stay at another facility, in both orders of arrival (the stay first, the visit uploaded late); near miss: at the stay\'s own facility.',
  available: () => true,
  start(ctx) {
    const sameFacility = ctx.rng.chance(0.2);
    return ctx.rng.chance(0.5) ? visitThenStay(ctx, sameFacility) : stayThenLateVisit(ctx, sameFacility);
  },
};

/** The visit now (inside a stay that began earlier), the stay settled at its discharge: fires on the stay. */
function visitThenStay(ctx: InjectionContext, sameFacility: boolean): StepOutcome | undefined {
  const begnMs = ctx.ms - ctx.rng.between(0.3, 2) * DAY;
  const dischargeMs = later(ctx, ctx.ms, 0.4 * DAY, 3 * DAY);
  if (dischargeMs === undefined) return undefined;
  const person = scenarioPerson(ctx, ctx.population.persons, (p) => stayGapOk(p.history, begnMs) && p.history.lastSaleMs < begnMs - GAP && p.history.reservedUntilMs < begnMs);
  if (!person) return undefined;
  const hospital = otherFacility(ctx, person.region, HOSPITALS, []);
  if (!hospital) return undefined;
  const elsewhere = sameFacility ? hospital : otherFacility(ctx, person.region, ctx.rng.chance(0.5) ? ['pharmacy'] : ['clinic', 'public_hospital', 'private_hospital'], [hospital]);
  if (!elsewhere) return undefined;
  const draft = anyVisit(ctx, ctx.ms, person, elsewhere);
  if (!draft) return undefined;
  reserve(person, dischargeMs + 3 * DAY);
  const visitMs = ctx.ms;
  return {
    draft,
    labelFollows: !sameFacility,
    next: () =>
      step(dischargeMs, dischargeMs + 2 * DAY, (c) => {
        if (!stayGapOk(person.history, begnMs)) return undefined;
        const stay = inpatientStay(c, c.ms, { person, facility: hospital, begnMs, unchecked: true });
        if (!stay) return undefined;
        if (sameFacility) return { draft: stay };
        const what = elsewhere.kind === 'pharmacy' ? '药店购药' : '门诊';
        return { draft: stay, label: { kind: 'rx.inpatient_overlap', note: `住院（${localDate(begnMs)} 至 ${localDate(c.ms)}，${where(hospital)}）期间，${localDate(visitMs)} 在 ${where(elsewhere)} 有${what}结算（先到），出院结算后到` } };
      }),
  };
}

/** The stay now; an outpatient or pharmacy settlement inside it uploaded late (after the stay): fires on the visit. */
function stayThenLateVisit(ctx: InjectionContext, sameFacility: boolean): StepOutcome | undefined {
  const stayDays = ctx.rng.intBetween(2, 6);
  const begnMs = localMidnight(ctx.ms) - stayDays * DAY + ctx.rng.intBetween(8 * 60, 18 * 60) * 60_000;
  if (!(begnMs < ctx.ms - 12 * HOUR)) return undefined;
  const uploadMs = later(ctx, ctx.ms, HOUR, 1.5 * DAY);
  if (uploadMs === undefined) return undefined;
  const person = scenarioPerson(ctx, ctx.population.persons, (p) => canAdmit(p.history, begnMs, ctx.ms));
  if (!person) return undefined;
  const hospital = otherFacility(ctx, person.region, HOSPITALS, []);
  if (!hospital) return undefined;
  const stay = inpatientStay(ctx, ctx.ms, { person, facility: hospital, begnMs });
  if (!stay) return undefined;
  reserve(person, uploadMs + 2 * DAY);
  const dischargeMs = ctx.ms;
  return {
    draft: stay,
    labelFollows: !sameFacility,
    next: () =>
      step(uploadMs, uploadMs + DAY, (c) => {
        const visitMs = Math.round(c.rng.between(begnMs + 2 * HOUR, dischargeMs - 2 * HOUR) / 1000) * 1000;
        if (visitsNear(person.history, visitMs) >= HISTORY_GUARDS.maxVisitsIn30Days) return undefined;
        const elsewhere = sameFacility ? hospital : otherFacility(c, person.region, c.rng.chance(0.5) ? ['pharmacy'] : ['clinic', 'public_hospital', 'private_hospital'], [hospital]);
        if (!elsewhere) return undefined;
        const d = anyVisit(c, visitMs, person, elsewhere);
        if (!d) return undefined;
        if (sameFacility) return { draft: d };
        const what = elsewhere.kind === 'pharmacy' ? '药店购药' : '门诊';
        return { draft: d, label: { kind: 'rx.inpatient_overlap', note: `${what}结算（${localDate(visitMs)}，${where(elsewhere)}）发生在 ${where(hospital)} 住院期间（${localDate(begnMs)} 至 ${localDate(dischargeMs)}），住院先到，${what}结算补传晚到` } };
      }),
  };
}

// ---- rx.readmission --------------------------------------------------------------------------

const readmission: Injector = {
  kind: 'rx.readmission',
  description: 'A readmission at the same facility with the same principal diagnosis category less than 15 days after a discharge (分解住院); near miss: at another hospital.',
  available: () => true,
  start(ctx) {
    const stayDays = ctx.rng.intBetween(2, 5);
    const begnMs = localMidnight(ctx.ms) - stayDays * DAY + ctx.rng.intBetween(8 * 60, 18 * 60) * 60_000;
    if (!(begnMs < ctx.ms - 12 * HOUR)) return undefined;
    // The second stay: admitted 0.5–12 days after this discharge, 1–4 days long, discharged within the span.
    const room = ctx.endMs - HOUR - ctx.ms;
    if (room < 1.6 * DAY) return undefined;
    const gapMs = ctx.rng.between(0.5 * DAY, Math.min(12 * DAY, room - 1.1 * DAY));
    const secondBegnMs = ctx.ms + gapMs;
    const secondEndMs = later(ctx, secondBegnMs, 1.05 * DAY, 4 * DAY);
    if (secondEndMs === undefined) return undefined;
    const person = scenarioPerson(ctx, ctx.population.persons, (p) => canAdmit(p.history, begnMs, ctx.ms) && p.history.reservedUntilMs < begnMs);
    if (!person) return undefined;
    const hospital = otherFacility(ctx, person.region, HOSPITALS, []);
    if (!hospital) return undefined;
    const first = inpatientStay(ctx, ctx.ms, { person, facility: hospital, begnMs });
    if (!first) return undefined;
    const principal = first.diags[0] as Diagnosis;
    const condition = CONDITIONS.find((c) => c.diag.some((d) => d.diag_code === principal.diag_code));
    const nearMiss = ctx.rng.chance(0.25);
    const second = nearMiss ? otherFacility(ctx, person.region, HOSPITALS, [hospital]) : hospital;
    if (!second) return undefined;
    reserve(person, secondEndMs + 3 * DAY);
    const dischargeMs = ctx.ms;
    return {
      draft: first,
      labelFollows: !nearMiss,
      next: () =>
        step(secondEndMs, secondEndMs + 2 * DAY, (c) => {
          const stay = inpatientStay(c, c.ms, { person, facility: second, begnMs: secondBegnMs, principal, unchecked: true, ...(condition ? { condition } : {}) });
          if (!stay || stay.diags[0]?.diag_code !== principal.diag_code) return undefined;
          if (nearMiss) return { draft: stay };
          return { draft: stay, label: { kind: 'rx.readmission', note: `${localDate(dischargeMs)} 出院后 ${days(secondBegnMs - dischargeMs)} 天又在同一机构 ${where(second)} 以同一主诊断（${principal.diag_code.slice(0, 3)}）入院（分解住院）` } };
        }),
    };
  },
};

// ---- rx.frequent_visits ----------------------------------------------------------------------

const FREQUENT = 13;
const frequentVisits: Injector = {
  kind: 'rx.frequent_visits',
  description: "A person's 13th outpatient or pharmacy settlement within a few days, at many facilities (频繁就医); near miss: 12.",
  available: () => true,
  start(ctx) {
    const room = ctx.endMs - HOUR - ctx.ms;
    const minSpan = (FREQUENT - 1) * 2.5 * HOUR;
    if (room < minSpan) return undefined;
    const span = Math.min(room, ctx.rng.between(2, 10) * DAY);
    const weights = Array.from({ length: FREQUENT - 1 }, () => ctx.rng.between(0.2, 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const times = [ctx.ms];
    for (const w of weights) times.push((times[times.length - 1] as number) + 2.5 * HOUR + ((span - minSpan) * w) / total);
    const person = scenarioPerson(ctx, ctx.population.persons, (p) => ageAt(p, ctx.ms) >= 16 && visitsNear(p.history, ctx.ms) === 0);
    if (!person) return undefined;
    const count = ctx.rng.chance(0.2) ? FREQUENT - 1 : FREQUENT;
    reserve(person, (times[count - 1] as number) + DAY);
    const visit = (c: TrafficContext, ms: number) => anyVisit(c, ms, person, otherFacility(c, person.region, c.rng.chance(0.5) ? ['pharmacy'] : CLINICS, []));
    const draft = visit(ctx, ctx.ms);
    if (!draft) return undefined;
    const next = (k: number) => (emitted: Emitted | undefined): PendingStep | undefined => {
      if (k >= count) return undefined;
      const dueMs = Math.max(times[k] as number, Date.parse((emitted as Emitted).settlement.setl_time) + GAP + 60_000);
      return step(dueMs, dueMs + 8 * HOUR, (c) => {
        if (c.ms - person.history.lastSaleMs < GAP || c.ms - ctx.ms >= 29 * DAY) return undefined;
        const d = visit(c, c.ms);
        if (!d) return undefined;
        if (k + 1 < FREQUENT) return { draft: d, next: next(k + 1) };
        return { draft: d, label: { kind: 'rx.frequent_visits', note: `${days(c.ms - ctx.ms)} 天内第 ${FREQUENT} 次门诊或购药结算（多家机构）` } };
      });
    };
    return { draft, labelFollows: count === FREQUENT, next: next(1) };
  },
};

// ---- reflow.trace_code_reuse -----------------------------------------------------------------

const traceCodeReuse: Injector = {
  kind: 'reflow.trace_code_reuse',
  description: "A package's trace code sold at one pharmacy and sold again at another (一码多用); near miss: sold, refunded, sold again.",
  available: () => true,
  start(ctx) {
    const nearMiss = ctx.rng.chance(0.3);
    const resaleMs = later(ctx, ctx.ms, nearMiss ? 2 * HOUR : 10 * 60_000, 3 * DAY);
    if (resaleMs === undefined) return undefined;
    const buyer = scenarioPerson(ctx, ctx.population.persons);
    if (!buyer) return undefined;
    const draft = pharmacyPurchase(ctx, ctx.ms, { person: buyer });
    const traced = draft?.lines.find((l) => l.traced && l.cnt >= 1);
    if (!draft || !traced) return undefined;
    const index = draft.lines.indexOf(traced);
    const item = traced.item;
    const seller = draft.facility;
    const resell = (codes: readonly string[], sale: Settlement) =>
      step(resaleMs, resaleMs + 2 * DAY, (c) => {
        const person = scenarioPerson(c, c.population.persons, (p) => p !== buyer && personFits(item, p, c.ms) && ageAt(p, c.ms) >= 18);
        const pharmacy = person && otherFacility(c, person.region, ['pharmacy'], [seller]);
        if (!person || !pharmacy) return undefined;
        const d = pharmacyPurchase(c, c.ms, { person, facility: pharmacy });
        if (!d) return undefined;
        const code = c.rng.pick(codes);
        const line = drugLine(c, d, item, traced.prdDays ?? 7, {}, [code]);
        if (!line) return undefined;
        if (nearMiss) return { draft: d };
        return { draft: d, label: { kind: 'reflow.trace_code_reuse', line, note: `追溯码 ${code}（「${item.entry.name}」）已于 ${localDate(Date.parse(sale.setl_time))} 在 ${where(seller)} 销售结算，又在 ${where(pharmacy)} 再次结算（一码多用）` } };
      });
    return {
      draft,
      labelFollows: !nearMiss,
      next: (emitted) => {
        const sale = (emitted as Emitted).settlement;
        const codes = sale.items[index]?.drug_trac_codg ?? [];
        if (!codes.length) return undefined;
        if (!nearMiss) return resell(codes, sale);
        const refundMs = ctx.ms + (resaleMs - ctx.ms) * ctx.rng.between(0.2, 0.6);
        return step(refundMs, resaleMs - HOUR, () => ({ refundOf: sale, next: () => resell(codes, sale) }));
      },
    };
  },
};

// ---- reflow.stockpile ------------------------------------------------------------------------

const SUPPLY_DAYS = 30;
const stockpile: Injector = {
  kind: 'reflow.stockpile',
  description: 'Three 30-day supplies of one drug bought within days (囤药); near miss: the second refunded before the third.',
  available: (f) => pharmacyDrugs(f).some((i) => i.entry.max_days === undefined || i.entry.max_days >= SUPPLY_DAYS),
  start(ctx) {
    const nearMiss = ctx.rng.chance(0.25);
    const t2 = later(ctx, ctx.ms, 2 * HOUR, 2 * DAY);
    const t3 = t2 === undefined ? undefined : later(ctx, Math.max(t2 + 2 * HOUR, ctx.ms + 1.05 * DAY), 0, 1.5 * DAY);
    if (t2 === undefined || t3 === undefined) return undefined;
    const person = scenarioPerson(ctx, ctx.rng.chance(0.8) ? ctx.population.chronicPersons : ctx.population.persons, (p) => ageAt(p, ctx.ms) >= 18);
    if (!person) return undefined;
    const condition = person.chronic.length ? ctx.rng.pick(person.chronic) : chooseCondition(ctx, person, ctx.ms, 'acute');
    const item = pharmacyDrugFor(ctx, condition, SUPPLY_DAYS, (i) => personFits(i, person, ctx.ms) && (supplyEndMs(person.history, i.groupId) ?? 0) <= ctx.ms - 2 * DAY);
    if (!item) return undefined;
    const pharmacy = ctx.population.facilities[person.homePharmacy] as Facility;
    const buy = (c: TrafficContext, ms: number, waive: GuardWaiver) => {
      const d = pharmacyPurchase(c, ms, { person, facility: pharmacy, ...(condition ? { condition } : {}) });
      const line = d && drugLine(c, d, item, SUPPLY_DAYS, waive);
      return d && line ? { draft: d, line } : undefined;
    };
    const first = buy(ctx, ctx.ms, {});
    if (!first) return undefined;
    reserve(person, t3 + DAY);
    const d1 = localDayNumber(ctx.ms);
    const third = () =>
      step(t3, t3 + 12 * HOUR, (c) => {
        if (!mayVisit(person, c.ms)) return undefined;
        const held = (nearMiss ? d1 + SUPPLY_DAYS : d1 + 2 * SUPPLY_DAYS) - localDayNumber(c.ms);
        if (nearMiss ? held > SUPPLY_DAYS - 1 : held <= SUPPLY_DAYS + 1) return undefined;
        const b = buy(c, c.ms, { stockpile: true });
        if (!b) return undefined;
        if (nearMiss) return { draft: b.draft };
        return { draft: b.draft, label: { kind: 'reflow.stockpile', line: b.line, note: `${days(c.ms - ctx.ms)} 天内第 3 次购买「${item.entry.name}」各 ${SUPPLY_DAYS} 天量，购药时仍持有 ${held} 天余量（囤药）` } };
      });
    return {
      draft: first.draft,
      labelFollows: !nearMiss,
      next: () =>
        step(t2, t3 - HOUR, (c) => {
          if (!mayVisit(person, c.ms) || localDayNumber(c.ms) < d1) return undefined;
          const b = buy(c, c.ms, { stockpile: true });
          if (!b) return undefined;
          if (!nearMiss) return { draft: b.draft, next: third };
          return {
            draft: b.draft,
            next: (emitted) => step(c.ms + 30 * 60_000, t3 - 10 * 60_000, () => ({ refundOf: (emitted as Emitted).settlement, next: third })),
          };
        }),
    };
  },
};

// ---- reflow.pharmacy_hopping -----------------------------------------------------------------

const SHORT_SUPPLY = 7;
const pharmacyHopping: Injector = {
  kind: 'reflow.pharmacy_hopping',
  description: 'The same drug group bought at a third distinct facility within days (a hospital visit may be the second); near miss: the third purchase back at the first pharmacy.',
  available: (f) => pharmacyDrugs(f).length > 0,
  start(ctx) {
    const nearMiss = ctx.rng.chance(0.25);
    const t2 = later(ctx, ctx.ms, 2.5 * HOUR, 3 * DAY);
    const t3 = t2 === undefined ? undefined : later(ctx, t2, 2.5 * HOUR, 3 * DAY);
    if (t2 === undefined || t3 === undefined) return undefined;
    const person = scenarioPerson(ctx, ctx.population.persons, (p) => ageAt(p, ctx.ms) >= 18);
    if (!person) return undefined;
    const condition = person.chronic.length && ctx.rng.chance(0.5) ? ctx.rng.pick(person.chronic) : chooseCondition(ctx, person, ctx.ms, 'acute');
    const h = person.history;
    const item = pharmacyDrugFor(ctx, condition, SHORT_SUPPLY, (i) => personFits(i, person, ctx.ms) && sellersNear(h, i.groupId, ctx.ms) === 0 && remainingSupplyDays(h, i.groupId, ctx.ms) <= 2);
    if (!item) return undefined;
    const a = otherFacility(ctx, person.region, ['pharmacy'], []);
    const b = a && otherFacility(ctx, person.region, ctx.rng.chance(0.3) ? CLINICS : ['pharmacy'], [a]);
    const third = a && b && (nearMiss ? a : otherFacility(ctx, person.region, ['pharmacy'], [a, b]));
    if (!a || !b || !third) return undefined;
    const buy = (c: TrafficContext, ms: number, at: Facility, waive: GuardWaiver) => {
      const d = anyVisit(c, ms, person, at, condition);
      const line = d && drugLine(c, d, item, SHORT_SUPPLY, waive);
      return d && line ? { draft: d, line } : undefined;
    };
    const first = buy(ctx, ctx.ms, a, {});
    if (!first) return undefined;
    reserve(person, t3 + DAY);
    return {
      draft: first.draft,
      labelFollows: !nearMiss,
      next: () =>
        step(t2, t3 - 2.5 * HOUR, (c) => {
          if (!mayVisit(person, c.ms)) return undefined;
          const second = buy(c, c.ms, b, {});
          return (
            second && {
              draft: second.draft,
              next: () =>
                step(t3, ctx.ms + 25 * DAY, (c3) => {
                  if (!mayVisit(person, c3.ms)) return undefined;
                  const last = buy(c3, c3.ms, third, { hopping: true });
                  if (!last) return undefined;
                  if (nearMiss) return { draft: last.draft };
                  return { draft: last.draft, label: { kind: 'reflow.pharmacy_hopping', line: last.line, note: `${days(c3.ms - ctx.ms)} 天内在 ${where(a)}、${where(b)}、${where(third)} 三家机构购买「${item.entry.name}」（同一药品组 ${item.group}）` } };
                }),
            }
          );
        }),
    };
  },
};

/** The scenario injectors, in the order their kinds are listed in the contract. */
export const SCENARIO_INJECTORS: readonly Injector[] = [
  testFrequency,
  deceased,
  inpatientOverlap,
  readmission,
  frequentVisits,
  traceCodeReuse,
  stockpile,
  pharmacyHopping,
];

