/**
 * Labelled injected cases: the registry of injectors, one entry per alert kind. An injector builds
 * a settlement that trips exactly its kind — a clean background visit with one deliberate fault —
 * and names the offending line. The per-settlement kinds are here; the history and reflow kinds,
 * which need earlier settlements, are scenarios (`scenarios.ts`); the price-baseline kinds are in
 * `pricing-cases.ts`. To inject a new kind, add an entry to {@link INJECTORS}.
 *
 * Contract: `inject(ctx)` returns a draft and the offending line (or none for settlement-level
 * kinds), or undefined when it cannot build a case at this instant (no suitable person free, …);
 * it must not touch history (the generator finalises and records the draft). `start(ctx)` does the
 * same for the first settlement of a scenario and schedules the rest (`case-kit.ts`). The generator
 * checks every settlement against its own reading of the rules (rules.ts, the price ledger) and
 * drops one that trips anything but its label's kind and the kinds it declares it may also raise.
 */
import { CONDITIONS, diagMatchesPrefix } from './conditions.js';
import {
  ageAt, ageFits, baseVisit, cached, conditionFor, lineOptions, optCondition, personFits, plant, SEX_WORD, usable, yuan,
  type Injector,
} from './case-kit.js';
import { addCleanLine, addDiag, clashesWith, forceLine, isDrug, needsIndication, totalFen, trimToCap } from './draft.js';
import type { FormularyItem } from './formulary.js';
import type { Person } from './population.js';
import { PRICING_INJECTORS, withinCeilingWithoutOutlier } from './pricing-cases.js';
import { BACKGROUND_CAP_FEN, HIGH_AMOUNT_YUAN, PRICE_TOLERANCE } from './rules.js';
import { SCENARIO_INJECTORS } from './scenarios.js';
import { chronicVisit, drugLineOptions, inpatientStay, outpatientVisit, pharmacyPurchase, pickPerson, type VisitChoice } from './visits.js';

export type { InjectedCase, InjectionContext, Injector } from './case-kit.js';

// ---- the injectors ---------------------------------------------------------------------------

const genderPool = cached((f) => f.items.filter((i) => i.entry.sex && usable(i) && !i.entry.inpatient_only));
const genderRestricted: Injector = {
  kind: 'rx.gender_restricted',
  description: 'An item for one sex only billed to a person of the other sex.',
  available: (f) => genderPool(f).length > 0,
  inject(ctx) {
    const item = ctx.rng.pick(genderPool(ctx.formulary));
    const allowed = item.entry.sex as '1' | '2';
    const other = allowed === '1' ? '2' : '1';
    const person = pickPerson(ctx, ctx.ms, ctx.population.persons, (p) => p.gend === other && ageFits(item, p, ctx.ms));
    if (!person) return undefined;
    const draft = baseVisit(ctx, item, { person });
    if (!draft) return undefined;
    const diag = needsIndication(draft, item);
    if (diag) addDiag(draft, diag);
    const line = plant(ctx, draft, item, lineOptions(ctx, draft, item), { keepDiagnoses: true });
    return line && { draft, line, note: `限${SEX_WORD[allowed]}项目「${item.entry.name}」结算给${SEX_WORD[other]}参保人` };
  },
};

const agePool = cached((f) => f.items.filter((i) => (i.entry.age_min !== undefined || i.entry.age_max !== undefined) && usable(i) && !i.entry.inpatient_only));
const ageRestricted: Injector = {
  kind: 'rx.age_restricted',
  description: 'An item for an age band (e.g. children only) billed to a person outside it.',
  available: (f) => agePool(f).length > 0,
  inject(ctx) {
    const item = ctx.rng.pick(agePool(ctx.formulary));
    const e = item.entry;
    const outside = (p: Person) => {
      const age = ageAt(p, ctx.ms);
      return (e.age_max !== undefined && age > e.age_max) || (e.age_min !== undefined && age < e.age_min);
    };
    const person = pickPerson(ctx, ctx.ms, ctx.population.persons, (p) => outside(p) && (!e.sex || p.gend === e.sex));
    if (!person) return undefined;
    const draft = baseVisit(ctx, item, { person, ...optCondition(conditionFor(ctx, item, person)) });
    if (!draft) return undefined;
    const line = plant(ctx, draft, item, lineOptions(ctx, draft, item));
    const band = e.age_min !== undefined && e.age_max !== undefined ? `${e.age_min}–${e.age_max} 周岁` : e.age_max !== undefined ? `${e.age_max} 周岁及以下` : `${e.age_min} 周岁及以上`;
    return line && { draft, line, note: `「${e.name}」限 ${band}，结算给 ${ageAt(person, ctx.ms)} 周岁参保人` };
  },
};

const daysPool = cached((f) => f.items.filter((i) => isDrug(i) && i.category !== 'herbal' && !i.entry.inpatient_only && (i.entry.max_days !== undefined || i.entry.max_days_chronic !== undefined)));
const commonDaysPool = cached((f) => daysPool(f).filter((i) => i.common && !i.entry.sex && i.entry.age_max === undefined));
const daysExceeded: Injector = {
  kind: 'rx.days_exceeded',
  description: 'A drug prescribed for three times its catalogue max_days (max_days_chronic at 门诊慢特病).',
  available: (f) => daysPool(f).length > 0,
  inject(ctx) {
    const common = commonDaysPool(ctx.formulary);
    const item = ctx.rng.pick(common.length && ctx.rng.chance(0.7) ? common : daysPool(ctx.formulary));
    const e = item.entry;
    const chronicOnly = e.max_days === undefined;
    const pool = chronicOnly ? ctx.population.chronicPersons : ctx.population.persons;
    const person = pickPerson(ctx, ctx.ms, pool, (p) => personFits(item, p, ctx.ms));
    if (!person) return undefined;
    const condition = conditionFor(ctx, item, person);
    const draft = chronicOnly ? chronicVisit(ctx, ctx.ms, { person }) : baseVisit(ctx, item, { person, ...optCondition(condition) });
    if (!draft) return undefined;
    const limit = (draft.medType === '14' ? e.max_days_chronic ?? e.max_days : e.max_days) as number;
    const prdDays = Math.min(3650, limit * 3);
    const opts = drugLineOptions(ctx, draft, item, true);
    const pack = item.packDays;
    const cnt = item.category === 'injection' && pack === undefined ? Math.min(prdDays, 10) : Math.min(15, Math.max(2, Math.ceil(prdDays / (pack ?? 14))));
    const line = plant(ctx, draft, item, { ...opts, cnt, prdDays });
    return line && { draft, line, note: `「${e.name}」开药 ${prdDays} 天，超过限定的 ${limit} 天` };
  },
};

const indicationPool = cached((f) => f.items.filter((i) => isDrug(i) && i.category !== 'herbal' && i.entry.indications?.length && !i.entry.inpatient_only));
const indicationMismatch: Injector = {
  kind: 'rx.indication_mismatch',
  description: 'A drug paid only for certain diagnoses billed on a settlement with unrelated ones.',
  available: (f) => indicationPool(f).length > 0,
  inject(ctx) {
    const item = ctx.rng.pick(indicationPool(ctx.formulary));
    const ind = item.entry.indications ?? [];
    const person = pickPerson(ctx, ctx.ms, ctx.population.persons, (p) => personFits(item, p, ctx.ms));
    if (!person) return undefined;
    const age = ageAt(person, ctx.ms);
    const unrelated = CONDITIONS.filter(
      (c) => c.acute && age >= c.ageMin && age <= c.ageMax && (!c.sex || c.sex === person.gend) && !c.diag.some((d) => ind.some((p) => diagMatchesPrefix(d.diag_code, p))),
    );
    if (!unrelated.length) return undefined;
    const condition = ctx.rng.weighted(unrelated, (c) => c.weight);
    const draft = baseVisit(ctx, item, { person, condition });
    if (!draft) return undefined;
    const line = plant(ctx, draft, item, lineOptions(ctx, draft, item), { keepDiagnoses: true });
    return line && { draft, line, note: `「${item.entry.name}」限 ${ind.join('、')} 诊断支付，本次诊断为 ${draft.diags.map((d) => d.diag_code).join('、')}` };
  },
};

/** Pairs (listing service, listed item) of `conflicts_with`. */
const conflictPairs = cached((f) => {
  const pairs: [FormularyItem, FormularyItem][] = [];
  for (const a of f.items) {
    if (a.listType !== '201' || !a.entry.conflicts_with?.length || !usable(a) || a.entry.min_interval_days !== undefined) continue;
    for (const code of a.entry.conflicts_with) {
      const b = f.get(code);
      if (b && usable(b) && b.entry.min_interval_days === undefined && !b.entry.inpatient_only && !a.entry.inpatient_only) pairs.push([a, b]);
    }
  }
  return pairs;
});
const twicePool = cached((f) => {
  const all = f.items.filter((i) => i.listType === '201' && (i.category === 'test' || i.category === 'consult' || i.category === 'imaging') && (i.maxPerVisit ?? 1) <= 2 && i.entry.min_interval_days === undefined && !i.entry.sex && i.entry.age_min === undefined && i.entry.age_max === undefined && !i.entry.inpatient_only && !i.entry.indications);
  const common = all.filter((i) => i.common);
  return common.length ? common : all;
});
const WARD = /住院|病房|床位|护理|监护/;
const duplicateCharge: Injector = {
  kind: 'rx.duplicate_charge',
  description: 'A service billed on more lines than max_per_visit, or together with an item it conflicts with (conflicts_with).',
  available: (f) => twicePool(f).length > 0 || conflictPairs(f).length > 0,
  inject(ctx) {
    const pairs = conflictPairs(ctx.formulary);
    const twice = twicePool(ctx.formulary);
    if (pairs.length && (!twice.length || ctx.rng.chance(0.5))) {
      const [a, b] = ctx.rng.pick(pairs);
      const ward = WARD.test(a.entry.name) || WARD.test(b.entry.name) || a.category === 'bed' || b.category === 'bed';
      const person = ward ? undefined : pickPerson(ctx, ctx.ms, ctx.population.persons, (p) => personFits(a, p, ctx.ms) && personFits(b, p, ctx.ms));
      if (!ward && !person) return undefined;
      const draft = ward ? inpatientStay(ctx, ctx.ms) : outpatientVisit(ctx, ctx.ms, person ? { person } : {});
      if (!draft || !personFits(a, draft.person, ctx.ms) || !personFits(b, draft.person, ctx.ms)) return undefined;
      const qty = (i: FormularyItem) => {
        const perDay = i.entry.max_per_day;
        const days = i.category === 'bed' || i.category === 'nursing' || i.category === 'ward_consult' ? draft.stayDays : 1;
        return Math.max(1, perDay === undefined ? days : Math.min(days, Math.floor(perDay * draft.stayDays)));
      };
      draft.lines = draft.lines.filter((l) => !clashesWith(l.item, a) && !clashesWith(l.item, b));
      const first = plant(ctx, draft, a, isDrug(a) ? lineOptions(ctx, draft, a) : { cnt: qty(a) });
      if (!first) return undefined;
      const line = plant(ctx, draft, b, isDrug(b) ? lineOptions(ctx, draft, b) : { cnt: qty(b) }, { keep: [first] });
      if (!line || !draft.lines.includes(first)) return undefined;
      return { draft, line, note: `「${a.entry.name}」与「${b.entry.name}」同一次就诊同时收费（目录规定不得同时收费）` };
    }
    const item = ctx.rng.pick(twice);
    const draft = outpatientVisit(ctx, ctx.ms);
    if (!draft) return undefined;
    draft.lines = draft.lines.filter((l) => !clashesWith(l.item, item));
    const allowed = item.maxPerVisit ?? 1;
    const first = plant(ctx, draft, item, { cnt: 1 });
    if (!first) return undefined;
    let line = first;
    for (let i = 0; i < allowed; i++) line = forceLine(draft, item, ctx.prices, { cnt: 1, doctor: first.doctor });
    trimToCap(draft, BACKGROUND_CAP_FEN.outpatient, draft.lines.filter((l) => l.item === item));
    if (draft.lines.filter((l) => l.item === item).length !== allowed + 1) return undefined;
    return { draft, line, note: `「${item.entry.name}」同一次就诊计费 ${allowed + 1} 行（限 ${allowed} 行）` };
  },
};

const inpatientOnlyPool = cached((f) => f.items.filter((i) => i.entry.inpatient_only === true && usable(i)));
const settingRestricted: Injector = {
  kind: 'rx.setting_restricted',
  description: 'An item paid only for inpatients (限住院) billed at an outpatient visit.',
  available: (f) => inpatientOnlyPool(f).length > 0,
  inject(ctx) {
    const item = ctx.rng.pick(inpatientOnlyPool(ctx.formulary));
    const person = pickPerson(ctx, ctx.ms, ctx.population.persons, (p) => personFits(item, p, ctx.ms));
    if (!person) return undefined;
    const draft = outpatientVisit(ctx, ctx.ms, { person, ...optCondition(conditionFor(ctx, item, person)) });
    if (!draft) return undefined;
    const opts = lineOptions(ctx, draft, item);
    const line = plant(ctx, draft, item, { ...opts, cnt: Math.min(opts.cnt, 3) });
    return line && { draft, line, note: `限住院使用的「${item.entry.name}」在门诊（医疗类别 11）结算` };
  },
};

/** Unit prices from which a handful of packages make a large bill (150 yuan and up). */
const PRICEY_FEN = 15_000;
const highAmount: Injector = {
  kind: 'rx.high_amount',
  description: 'An outpatient or pharmacy bill of 4,500–9,000 yuan made of clean items (a few packages of an expensive drug).',
  available: (f) => f.priciestDrugs.length > 0,
  inject(ctx) {
    const pharmacy = ctx.rng.chance(0.3);
    const sellable = ctx.formulary.priciestDrugs.filter((i) => !pharmacy || i.category !== 'injection' || i.packDays !== undefined);
    const pricey = sellable.filter((i) => ctx.prices.referenceFen(i) >= PRICEY_FEN);
    const commonPricey = pricey.filter((i) => i.common);
    const pool = commonPricey.length && ctx.rng.chance(0.75) ? commonPricey : pricey.length ? pricey : sellable.slice(0, 5);
    if (!pool.length) return undefined;
    const first = ctx.rng.pick(pool);
    const person = pickPerson(ctx, ctx.ms, ctx.population.persons, (p) => ageAt(p, ctx.ms) >= 18 && personFits(first, p, ctx.ms));
    if (!person) return undefined;
    const choice: VisitChoice = { person, ...optCondition(conditionFor(ctx, first, person)) };
    const draft = pharmacy ? pharmacyPurchase(ctx, ctx.ms, choice) : outpatientVisit(ctx, ctx.ms, choice);
    if (!draft) return undefined;
    const targetFen = Math.round(ctx.rng.between(4500, 9000) * 100);
    for (let tries = 0, item = first; tries < 6 && totalFen(draft) < targetFen; tries++, item = ctx.rng.pick(pool)) {
      if (!personFits(item, draft.person, ctx.ms)) continue;
      draft.lines = draft.lines.filter((l) => !clashesWith(l.item, item));
      const price = ctx.prices.facilityFen(item, draft.facility);
      const cnt = Math.min(30, Math.max(1, Math.ceil((targetFen - totalFen(draft)) / price)));
      const opts = drugLineOptions(ctx, draft, item, true);
      const pack = item.packDays;
      const limit = item.entry.max_days;
      // Days of supply consistent with the packages sold (within the item's limit).
      const prdDays = pack === undefined ? opts.prdDays : Math.min(limit ?? 3650, cnt * pack);
      addCleanLine(draft, item, ctx.prices, { ...opts, cnt, prdDays });
    }
    if (totalFen(draft) < HIGH_AMOUNT_YUAN.outpatient * 100) return undefined;
    return { draft, note: `${pharmacy ? '药店购药' : '门诊'}结算医疗费总额 ${yuan(totalFen(draft))} 元（大额）` };
  },
};

const ceilingPool = cached((f) => f.items.filter((i) => i.entry.price_ceiling !== undefined && usable(i) && !i.entry.inpatient_only && !i.entry.sex && i.entry.age_min === undefined && i.entry.age_max === undefined));
const priceAboveCeiling: Injector = {
  kind: 'price.above_ceiling',
  description: 'An item charged 2–30 % above its price ceiling (under 1.45 × the regional median, so not also a price outlier, where the baseline allows). The flagship 阿托伐他汀 at 61.41 yuan is a price.outlier case (pricing-cases.ts).',
  available: (f) => ceilingPool(f).length > 0,
  inject(ctx) {
    const item = ctx.rng.pick(ceilingPool(ctx.formulary));
    const ceiling = item.entry.price_ceiling as number;
    const person = pickPerson(ctx, ctx.ms, ctx.population.persons, (p) => personFits(item, p, ctx.ms));
    if (!person) return undefined;
    const draft = baseVisit(ctx, item, { person, ...optCondition(conditionFor(ctx, item, person)) });
    if (!draft) return undefined;
    const minFen = Math.floor(ceiling * (1 + PRICE_TOLERANCE) * 100) + 2;
    const wanted = Math.max(minFen, Math.ceil(ceiling * ctx.rng.between(1.02, 1.3) * 100));
    const pricFen = withinCeilingWithoutOutlier(ctx, item, draft.facility.region, minFen, wanted);
    if (pricFen === undefined) return undefined;
    const opts = lineOptions(ctx, draft, item);
    const line = plant(ctx, draft, item, { ...opts, cnt: Math.min(opts.cnt, 3), pricFen });
    return line && { draft, line, note: `「${item.entry.name}」单价 ${yuan(pricFen)} 元，高于支付标准 ${ceiling.toFixed(2)} 元` };
  },
};

/** The registry: one injector per kind, in the order kinds are listed. */
export const INJECTORS: readonly Injector[] = [
  genderRestricted,
  ageRestricted,
  daysExceeded,
  indicationMismatch,
  duplicateCharge,
  settingRestricted,
  highAmount,
  priceAboveCeiling,
  ...SCENARIO_INJECTORS,
  ...PRICING_INJECTORS,
];
