/**
 * What the generator remembers about each person, so that background traffic stays clean of the
 * history-based kinds too (frequent visits, overlapping stays, readmission, stockpiling, pharmacy
 * hopping, test frequency, settlements after death) — with margins, since these rules compare event
 * times. Memory is bounded by the population: per person a few numbers, a 30-day visit list, and
 * one record per drug group and interval-limited test they have used recently.
 *
 * The history is a superset of what the detectors see: a refund does not rewind it. Every guard is
 * monotone (more history can only make a guard stricter), so a settlement the guards allow raises
 * nothing in the detectors either. Guards also count settlements whose event time lies after the
 * instant checked (late uploads), so "within N days" is read in both directions.
 *
 * Scenario persons (`scenarios.ts`) are reserved while a multi-settlement case unfolds: background
 * traffic and other injectors leave them alone, so the case's own settlements are all the detectors
 * see of them in that time.
 */
import { DAY_MS } from '../../pipeline/time/event-time.js';

const HOUR_MS = 3_600_000;

/** Guards (each a margin inside the detector's default threshold). */
export const HISTORY_GUARDS = {
  /** rx.frequent_visits fires at the 13th outpatient/pharmacy settlement within 30 days. */
  maxVisitsIn30Days: 9,
  /** When the population is too small for the traffic: still never a 12th visit (the 13th fires). */
  maxVisitsIn30DaysRelaxed: 11,
  /** rx.readmission: same facility, same diagnosis, < 15 days; kept apart by 16 days whatever the facility. */
  minDaysBetweenStays: 16,
  /** reflow.stockpile fires when more than 30 days of earlier supply remain. */
  maxRemainingSupplyDays: 20,
  /** reflow.pharmacy_hopping fires at a 3rd distinct facility for a drug within 30 days. */
  hoppingWindowDays: 31,
  maxFacilitiesPerDrug: 2,
  /** Least time between two settlements of one person. */
  minGapMs: 2 * HOUR_MS,
  /** …when the population is too small for the traffic (still apart from a discharge to the second). */
  minGapMsRelaxed: HOUR_MS / 6,
} as const;

/**
 * Supply records, flat and fixed-stride to keep memory small (one array of doubles per person):
 * `[groupId, endMs, facility₁, ms₁, facility₂, ms₂, facility₃, ms₃]` — the drug group, when the
 * person's supply of it runs out (coverage chain over every recorded purchase), and the last sale
 * by each of (at most) three facilities. Three slots suffice: the hopping guard never lets a third
 * facility into the window, and a scenario adds at most one.
 */
const STRIDE = 8;
const SLOTS = 3;
const NO_FACILITY = -1;

export interface PersonHistory {
  /** `setl_time` of the last sale (any setting); for a stay, its discharge. */
  lastSaleMs: number;
  lastDischargeMs: number;
  /** Outpatient and pharmacy `setl_time`s of the last 30 days. */
  visits: number[];
  /** See {@link STRIDE}; drug groups are the formulary's integer `groupId`s. */
  supply: number[] | undefined;
  /** Last time a test with a `min_interval_days` was billed, by code. */
  tests: Map<string, number> | undefined;
  /** A scenario holds the person until then: nobody else may settle for them. */
  reservedUntilMs: number;
  /** From this instant (local midnight after `death_date`) a settlement of theirs is a 冒用 case. */
  deadFromMs: number;
}

export function emptyHistory(): PersonHistory {
  return {
    lastSaleMs: Number.NEGATIVE_INFINITY,
    lastDischargeMs: Number.NEGATIVE_INFINITY,
    visits: [],
    supply: undefined,
    tests: undefined,
    reservedUntilMs: Number.NEGATIVE_INFINITY,
    deadFromMs: Number.POSITIVE_INFINITY,
  };
}

/** Neither reserved by a scenario nor dead at `ms`. */
export function isFree(h: PersonHistory, ms: number): boolean {
  return ms >= h.reservedUntilMs && ms < h.deadFromMs;
}

/** Outpatient and pharmacy settlements within 30 days of `ms`, either side. */
export function visitsNear(h: PersonHistory, ms: number): number {
  let n = 0;
  for (const t of h.visits) if (Math.abs(ms - t) < 30 * DAY_MS) n++;
  return n;
}

/** May the person have an outpatient or pharmacy settlement at `ms`? */
export function canVisit(h: PersonHistory, ms: number, relaxed = false): boolean {
  if (!isFree(h, ms)) return false;
  if (ms - h.lastSaleMs < (relaxed ? HISTORY_GUARDS.minGapMsRelaxed : HISTORY_GUARDS.minGapMs)) return false;
  return visitsNear(h, ms) < (relaxed ? HISTORY_GUARDS.maxVisitsIn30DaysRelaxed : HISTORY_GUARDS.maxVisitsIn30Days);
}

/** May the person have a stay [begnMs, endMs] settled now? No settlement of theirs may fall inside it. */
export function canAdmit(h: PersonHistory, begnMs: number, endMs: number): boolean {
  return isFree(h, endMs) && begnMs >= h.reservedUntilMs && stayGapOk(h, begnMs) && h.lastSaleMs < begnMs - HISTORY_GUARDS.minGapMs;
}

/** The stay starts far enough from the person's last discharge (no readmission whatever the facility). */
export function stayGapOk(h: PersonHistory, begnMs: number): boolean {
  return begnMs - h.lastDischargeMs >= HISTORY_GUARDS.minDaysBetweenStays * DAY_MS;
}

function findSupply(supply: readonly number[] | undefined, groupId: number): number {
  if (!supply) return -1;
  for (let i = 0; i < supply.length; i += STRIDE) if (supply[i] === groupId) return i;
  return -1;
}

/** When the person's recorded supply of the group runs out (undefined: no record). */
export function supplyEndMs(h: PersonHistory, groupId: number): number | undefined {
  const i = findSupply(h.supply, groupId);
  return i < 0 ? undefined : (h.supply as number[])[i + 1];
}

/** Distinct facilities that sold the group within the hopping window of `ms` (either side). */
export function sellersNear(h: PersonHistory, groupId: number, ms: number): number {
  const supply = h.supply;
  const i = findSupply(supply, groupId);
  if (i < 0) return 0;
  let n = 0;
  for (let s = 0; s < SLOTS; s++) {
    const f = (supply as number[])[i + 2 + 2 * s] as number;
    if (f !== NO_FACILITY && Math.abs(ms - ((supply as number[])[i + 3 + 2 * s] as number)) < HISTORY_GUARDS.hoppingWindowDays * DAY_MS) n++;
  }
  return n;
}

/** Days of supply of the group the person still holds at `ms` (0 when none). */
export function remainingSupplyDays(h: PersonHistory, groupId: number, ms: number): number {
  const end = supplyEndMs(h, groupId);
  return end === undefined ? 0 : Math.max(0, end - ms) / DAY_MS;
}

/** May the person be sold a drug of this group at this facility at `ms` without stockpiling or hopping? */
export function canSupply(h: PersonHistory, groupId: number, facility: number, ms: number): boolean {
  return canStock(h, groupId, ms) && canHop(h, groupId, facility, ms);
}

/** No stockpile: what remains of earlier supply is well under 30 days. */
export function canStock(h: PersonHistory, groupId: number, ms: number): boolean {
  return remainingSupplyDays(h, groupId, ms) <= HISTORY_GUARDS.maxRemainingSupplyDays;
}

/** No hopping: the facility sold the group recently, or fewer than two others did. */
export function canHop(h: PersonHistory, groupId: number, facility: number, ms: number): boolean {
  const supply = h.supply;
  const i = findSupply(supply, groupId);
  if (i < 0) return true;
  let others = 0;
  for (let s = 0; s < SLOTS; s++) {
    const f = (supply as number[])[i + 2 + 2 * s] as number;
    if (f === NO_FACILITY || Math.abs(ms - ((supply as number[])[i + 3 + 2 * s] as number)) >= HISTORY_GUARDS.hoppingWindowDays * DAY_MS) continue;
    if (f === facility) return true;
    others++;
  }
  return others < HISTORY_GUARDS.maxFacilitiesPerDrug;
}

/** May the person have this interval-limited test at `ms`? (Either side of the last one.) */
export function canTest(h: PersonHistory, code: string, minIntervalDays: number, ms: number): boolean {
  const last = h.tests?.get(code);
  return last === undefined || Math.abs(ms - last) >= (minIntervalDays + 1) * DAY_MS;
}

export interface SaleRecord {
  ms: number;
  inpatient: boolean;
  facility: number;
  /** Drug groups sold, with their days of supply (0 when none stated). */
  drugs: readonly { groupId: number; prdDays: number }[];
  /** Interval-limited tests billed. */
  tests: readonly string[];
}

/** Folds a sale into the person's history. */
export function recordSale(h: PersonHistory, sale: SaleRecord): void {
  h.lastSaleMs = Math.max(h.lastSaleMs, sale.ms);
  if (sale.inpatient) h.lastDischargeMs = Math.max(h.lastDischargeMs, sale.ms);
  else {
    let newest = sale.ms;
    for (const t of h.visits) if (t > newest) newest = t;
    if (h.visits.length && newest - (h.visits[0] as number) >= 31 * DAY_MS) h.visits = h.visits.filter((t) => newest - t < 31 * DAY_MS);
    h.visits.push(sale.ms);
  }
  for (const { groupId, prdDays } of sale.drugs) recordSupply(h, groupId, prdDays, sale.facility, sale.ms);
  for (const code of sale.tests) {
    h.tests ??= new Map();
    h.tests.set(code, Math.max(sale.ms, h.tests.get(code) ?? Number.NEGATIVE_INFINITY));
  }
}

function recordSupply(h: PersonHistory, groupId: number, prdDays: number, facility: number, ms: number): void {
  const window = HISTORY_GUARDS.hoppingWindowDays * DAY_MS;
  let supply = h.supply ?? [];
  let i = findSupply(supply, groupId);
  if (i < 0) {
    // Drop records that no longer matter (supply ended and no sale in the window) before adding one.
    const live = (j: number) => {
      if ((supply[j + 1] as number) > ms) return true;
      for (let s = 0; s < SLOTS; s++) if (supply[j + 2 + 2 * s] !== NO_FACILITY && ms - (supply[j + 3 + 2 * s] as number) < window) return true;
      return false;
    };
    let stale = false;
    for (let j = 0; j < supply.length && !stale; j += STRIDE) stale = !live(j);
    if (stale) {
      const kept: number[] = [];
      for (let j = 0; j < supply.length; j += STRIDE) if (live(j)) for (let k = 0; k < STRIDE; k++) kept.push(supply[j + k] as number);
      supply = kept;
    }
    i = supply.length;
    supply.push(groupId, ms, NO_FACILITY, 0, NO_FACILITY, 0, NO_FACILITY, 0);
  }
  supply[i + 1] = Math.max(supply[i + 1] as number, ms) + prdDays * DAY_MS;
  let slot = -1;
  for (let s = 0; s < SLOTS && slot < 0; s++) if (supply[i + 2 + 2 * s] === facility) slot = s;
  if (slot >= 0) supply[i + 3 + 2 * slot] = Math.max(supply[i + 3 + 2 * slot] as number, ms);
  else {
    // An empty slot, else the one whose last sale is oldest.
    let oldest = 0;
    for (let s = 0; s < SLOTS; s++) {
      if (supply[i + 2 + 2 * s] === NO_FACILITY) {
        oldest = s;
        break;
      }
      if ((supply[i + 3 + 2 * s] as number) < (supply[i + 3 + 2 * oldest] as number)) oldest = s;
    }
    supply[i + 2 + 2 * oldest] = facility;
    supply[i + 3 + 2 * oldest] = ms;
  }
  h.supply = supply;
}
