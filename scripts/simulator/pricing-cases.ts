/**
 * The price-baseline kinds, `price.outlier` and `price.facility_markup`, and the flagship case.
 *
 * Both kinds compare a price with the regional baseline (last 500 prices of the code in the
 * admdvs, at least 30): the generator reads the same baselines from its price ledger
 * (`price-ledger.ts`), so it knows, for every line it builds, whether the detectors will call it an
 * outlier — and only labels cases they will, far from the thresholds (no borderline readings).
 *
 * - **The over-charging hospital** (`population.overcharging`, a private hospital in region 0 that
 *   background traffic never visits) marks up everything it bills: items under a ceiling at
 *   1.35–1.44 × the regional median (capped at the ceiling; items whose ceiling leaves less room
 *   are not billed there), items without a ceiling sometimes 1.8–5 × (loud: `price.outlier`). It
 *   also adds tests to visits (套餐检查). Its median ratio over its last 50 priced items is then
 *   above 1.3, and `price.facility_markup` fires on its first settlement of each day once it has
 *   50 priced items. That settlement is priced quietly (no outlier line), labelled
 *   `price.facility_markup`; its other settlements are labelled `price.outlier` on a loud line when
 *   they have one, and are otherwise unlabelled and raise nothing.
 * - **The flagship** (`price.outlier`): the same hospital bills 阿托伐他汀钙片 20mg×7片 at 61.41 yuan
 *   a box that public hospitals sell at about 2.86 (ceiling 3.50). It is above the ceiling too and
 *   may tip the day's mark-up alert: its label lists those in `also`.
 * - **Other outliers**: an item with a usable baseline billed at 2–6 × its regional median at an
 *   ordinary facility, under the ceiling when there is one (only `price.outlier` fires).
 *
 * `price.above_ceiling` cases (injections.ts) are priced under 1.45 × the median when the baseline
 * is usable, so they are not outliers as well.
 */
import { localDate } from '../../pipeline/time/event-time.js';
import {
  ageAt, baseVisit, cached, conditionFor, lineOptions, optCondition, personFits, plant, usable, yuan,
  type InjectionContext, type Injector,
} from './case-kit.js';
import type { Condition } from './conditions.js';
import { addCleanLine, isDrug, trimToCap, type Draft } from './draft.js';
import type { FormularyItem } from './formulary.js';
import type { Person } from './population.js';
import { BASELINE, outlierVerdict } from './price-ledger.js';
import { ceilingFen } from './prices.js';
import { BACKGROUND_CAP_FEN } from './rules.js';
import { drugLineOptions, inpatientStay, outpatientVisit, pickPerson } from './visits.js';

/** The flagship item and price. */
const FLAGSHIP = { name: '阿托伐他汀钙片', pricFen: 6141 } as const;
const flagshipItem = cached((f) => f.items.find((i) => i.entry.name.startsWith(FLAGSHIP.name) && i.entry.price_ceiling !== undefined));

/** Quiet and loud mark-ups of the over-charging hospital (× the regional median). */
const QUIET = [1.35, 1.44] as const;
const LOUD = [1.8, 5] as const;

/** A price above the ceiling that is not also a price outlier, or undefined when there is none. */
export function withinCeilingWithoutOutlier(ctx: InjectionContext, item: FormularyItem, region: number, minFen: number, wantedFen: number): number | undefined {
  const b = ctx.ledger.stats(item.code, region, ctx.ms);
  if (outlierVerdict(wantedFen, b) === 'no') return wantedFen;
  const limit = Math.floor((b as { medianFen: number }).medianFen * 1.44);
  return limit >= minFen ? Math.min(wantedFen, ctx.rng.intBetween(minFen, limit)) : undefined;
}

/** What the over-charging hospital charges for an item (see the module note). */
function overchargeFen(ctx: InjectionContext, item: FormularyItem, region: number, loud: boolean): number {
  const b = ctx.ledger.stats(item.code, region, ctx.ms);
  const ready = b !== undefined && b.count >= BASELINE.minCount;
  const base = ready ? b.medianFen : ctx.prices.regionalFen(item, region);
  const cap = ceilingFen(item);
  const [lo, hi] = loud && cap === undefined ? LOUD : QUIET;
  let fen = Math.max(1, Math.round(base * ctx.rng.between(lo, hi)));
  if (cap !== undefined) fen = Math.min(fen, cap);
  if (ready && outlierVerdict(fen, b) === 'borderline') fen = Math.min(cap ?? Number.POSITIVE_INFINITY, Math.floor(base * QUIET[1]));
  return fen;
}

/** Room for a mark-up under the ceiling: ceiling ÷ regional median (∞ without a ceiling or a usable baseline). */
function headroom(ctx: InjectionContext, item: FormularyItem, region: number): number {
  const b = ctx.ledger.stats(item.code, region, ctx.ms);
  const cap = ceilingFen(item);
  if (cap === undefined || !b || b.count < BASELINE.minCount) return Number.POSITIVE_INFINITY;
  return cap / b.medianFen;
}

const unrestricted = (i: FormularyItem) => !i.entry.sex && i.entry.age_min === undefined && i.entry.age_max === undefined && !i.entry.inpatient_only && !i.entry.indications?.length;

/**
 * Items with a usable baseline in a region that pass a fixed test, kept up to date incrementally
 * as baselines become usable (one list per ledger, region and purpose).
 */
const readyPools = new WeakMap<object, Map<string, { processed: number; items: FormularyItem[] }>>();
function readyPool(ctx: InjectionContext, region: number, purpose: string, accept: (i: FormularyItem) => boolean): readonly FormularyItem[] {
  let pools = readyPools.get(ctx.ledger);
  if (!pools) readyPools.set(ctx.ledger, (pools = new Map()));
  const key = `${purpose}/${region}`;
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = { processed: 0, items: [] }));
  const ready = ctx.ledger.ready(region);
  for (; pool.processed < ready.length; pool.processed++) {
    const item = ctx.formulary.get(ready[pool.processed] as string);
    if (item && accept(item)) pool.items.push(item);
  }
  return pool.items;
}

/** Up to `n` distinct random picks from a pool that pass `accept` (a few tries each). */
function picks(ctx: InjectionContext, pool: readonly FormularyItem[], n: number, accept: (i: FormularyItem) => boolean): FormularyItem[] {
  const out: FormularyItem[] = [];
  for (let tries = 0; tries < n * 6 && out.length < n && pool.length; tries++) {
    const i = ctx.rng.pick(pool);
    if (!out.includes(i) && accept(i)) out.push(i);
  }
  return out;
}

/** What the over-charging hospital adds to a visit (套餐检查, extra drugs): tests, imaging and common drugs. */
const upsellable = (i: FormularyItem) => unrestricted(i) && i.entry.min_interval_days === undefined && (i.category === 'test' || i.category === 'imaging' || i.category === 'oral');

/**
 * A visit (sometimes a stay) at the over-charging hospital, priced its way (`loud`: some lines
 * without a ceiling at 1.8–5 ×). Lines whose ceiling leaves no room for its mark-up are not billed.
 */
function overchargeVisit(ctx: InjectionContext, person: Person, condition: Condition | undefined, loud: boolean, allowStay = true): Draft | undefined {
  const facility = ctx.population.overcharging;
  const region = facility.region;
  const stay = allowStay && !condition && ctx.rng.chance(0.25);
  const draft = stay
    ? inpatientStay(ctx, ctx.ms, { facility })
    : outpatientVisit(ctx, ctx.ms, { person, facility, ...optCondition(condition) });
  if (!draft) return undefined;
  const extra = picks(ctx, readyPool(ctx, region, 'upsell', upsellable), ctx.rng.intBetween(2, 4), (i) => headroom(ctx, i, region) >= 1.36);
  for (const item of extra) addCleanLine(draft, item, ctx.prices, isDrug(item) ? drugLineOptions(ctx, draft, item, condition?.chronic ?? false) : { cnt: 1 });
  draft.lines = draft.lines.filter((l) => headroom(ctx, l.item, region) >= 1.34);
  for (const l of draft.lines) l.pricFen = overchargeFen(ctx, l.item, region, loud && ctx.rng.chance(0.35));
  trimToCap(draft, stay ? BACKGROUND_CAP_FEN.inpatient : BACKGROUND_CAP_FEN.outpatient);
  return draft.lines.length ? draft : undefined;
}

/** Ratios to the regional median of the lines that count for `price.facility_markup`, in line order. */
export function countedRatios(ctx: Pick<InjectionContext, 'ledger'>, draft: Draft): number[] {
  const out: number[] = [];
  for (const l of draft.lines) {
    const b = ctx.ledger.stats(l.item.code, draft.facility.region, draft.ms);
    if (b && b.count >= BASELINE.minCount && l.pricFen > 0) out.push(l.pricFen / b.medianFen);
  }
  return out;
}

/** A person of the over-charging hospital's region. */
function localPerson(ctx: InjectionContext, accept: (p: Person) => boolean = () => true): Person | undefined {
  const region = ctx.population.overcharging.region;
  return pickPerson(ctx, ctx.ms, ctx.population.persons, (p) => p.region === region && ageAt(p, ctx.ms) >= 14 && accept(p));
}

const facilityMarkup: Injector = {
  kind: 'price.facility_markup',
  description: 'The over-charging private hospital: every item marked up 1.35–1.44 × the regional median (some 1.8–5 ×); the day\'s first settlement once it has 50 priced items.',
  weight: 5,
  available: () => true,
  start(ctx) {
    const person = localPerson(ctx);
    if (!person) return undefined;
    const draft = overchargeVisit(ctx, person, undefined, ctx.wanted.has('price.outlier'));
    if (!draft) return undefined;
    const day = localDate(ctx.ms);
    const region = draft.facility.region;
    const verdict = ctx.markup.verdict(countedRatios(ctx, draft), day, ctx.ms);
    if (verdict === 'borderline') return undefined;
    if (verdict === 'yes') {
      for (const l of draft.lines) if (outlierVerdict(l.pricFen, ctx.ledger.stats(l.item.code, region, ctx.ms)) !== 'no') l.pricFen = overchargeFen(ctx, l.item, region, false);
      if (ctx.markup.verdict(countedRatios(ctx, draft), day, ctx.ms) !== 'yes') return undefined;
      const ratios = countedRatios(ctx, draft).map((r) => r.toFixed(2)).join('、');
      return { draft, label: { kind: 'price.facility_markup', note: `民营医院 ${draft.facility.code} 近 ${BASELINE.markupItems} 个计价项目单价普遍为本地区中位价的 1.3 倍以上（本次 ${ratios} 倍），系统性加价` } };
    }
    const loud = draft.lines.find((l) => outlierVerdict(l.pricFen, ctx.ledger.stats(l.item.code, region, ctx.ms)) === 'yes');
    if (!loud) return { draft };
    const b = ctx.ledger.stats(loud.item.code, region, ctx.ms) as { medianFen: number };
    return { draft, label: { kind: 'price.outlier', line: loud, note: `民营医院 ${draft.facility.code}「${loud.item.entry.name}」单价 ${yuan(loud.pricFen)} 元，为本地区中位价 ${yuan(b.medianFen)} 元的 ${(loud.pricFen / b.medianFen).toFixed(1)} 倍` } };
  },
};

/** Items an ordinary facility may bill at an outlier price (outpatient, no setting or interval restriction). */
const outlierable = (i: FormularyItem) =>
  usable(i) && !i.entry.inpatient_only && i.entry.min_interval_days === undefined && (i.category === 'consult' || i.category === 'test' || i.category === 'imaging' || i.category === 'service' || i.category === 'oral' || i.category === 'topical');

const priceOutlier: Injector = {
  kind: 'price.outlier',
  description: 'An item billed at 2–6 × its regional median (robust z far above 3.5); the flagship: a private hospital billing 阿托伐他汀钙片 at 61.41 yuan (public hospitals: about 2.86, ceiling 3.50).',
  available: () => true,
  inject(ctx) {
    const item = flagshipItem(ctx.formulary);
    if (item && ctx.rng.chance(0.4)) {
      const region = ctx.population.overcharging.region;
      if (outlierVerdict(FLAGSHIP.pricFen, ctx.ledger.stats(item.code, region, ctx.ms)) === 'yes') {
        const person = localPerson(ctx, (p) => ageAt(p, ctx.ms) >= 30 && personFits(item, p, ctx.ms));
        const condition = person && conditionFor(ctx, item, person);
        const draft = person && (ctx.wanted.has('price.facility_markup') ? overchargeVisit(ctx, person, condition, false, false) : outpatientVisit(ctx, ctx.ms, { person, facility: ctx.population.overcharging, ...optCondition(condition) }));
        const opts = draft && lineOptions(ctx, draft, item);
        const line = draft && opts && plant(ctx, draft, item, { ...opts, cnt: Math.min(opts.cnt, 3), pricFen: FLAGSHIP.pricFen });
        if (draft && line) {
          const b = ctx.ledger.stats(item.code, region, ctx.ms) as { medianFen: number };
          return {
            draft,
            line,
            note: `民营医院 ${draft.facility.code}「${item.entry.name}」单价 ${yuan(FLAGSHIP.pricFen)} 元，本地区中位价 ${yuan(b.medianFen)} 元（${(FLAGSHIP.pricFen / b.medianFen).toFixed(1)} 倍），支付标准 ${(item.entry.price_ceiling as number).toFixed(2)} 元`,
            mayAlso: ['price.above_ceiling', 'price.facility_markup'],
          };
        }
      }
    }
    const person = pickPerson(ctx, ctx.ms, ctx.population.persons, (p) => ageAt(p, ctx.ms) >= 18);
    if (!person) return undefined;
    const [chosen] = picks(ctx, readyPool(ctx, person.region, 'outlier', outlierable), 1, (i) => personFits(i, person, ctx.ms) && headroom(ctx, i, person.region) >= 2.1);
    if (!chosen) return undefined;
    const b = ctx.ledger.stats(chosen.code, person.region, ctx.ms);
    if (!b) return undefined;
    const cap = ceilingFen(chosen) ?? Number.POSITIVE_INFINITY;
    const pricFen = Math.min(cap, Math.round(b.medianFen * ctx.rng.between(2, 6)));
    if (outlierVerdict(pricFen, b) !== 'yes') return undefined;
    const draft = baseVisit(ctx, chosen, { person, ...optCondition(conditionFor(ctx, chosen, person)) });
    if (!draft || draft.facility.region !== person.region) return undefined;
    const opts = lineOptions(ctx, draft, chosen);
    const line = plant(ctx, draft, chosen, { ...opts, cnt: Math.min(opts.cnt, 3), pricFen });
    return line && { draft, line, note: `「${chosen.entry.name}」单价 ${yuan(pricFen)} 元，为本地区近 ${b.count} 笔中位价 ${yuan(b.medianFen)} 元的 ${(pricFen / b.medianFen).toFixed(1)} 倍` };
  },
};

/** The price-baseline injectors. */
export const PRICING_INJECTORS: readonly Injector[] = [priceOutlier, facilityMarkup];
