/**
 * What the generator remembers about each person, so that background traffic stays clean of the
 * history-based kinds too (frequent visits, overlapping stays, readmission, stockpiling, pharmacy
 * hopping, test frequency) — with margins, since these rules compare event times. Memory is
 * bounded by the population: per person a few numbers, a 30-day visit list, and one record per
 * drug group and interval-limited test they have used.
 */
import { DAY_MS } from '../../pipeline/time/event-time.js';

const HOUR_MS = 3_600_000;

/** Guards (each a margin inside the detector's default threshold). */
export const HISTORY_GUARDS = {
  /** rx.frequent_visits fires at the 13th outpatient/pharmacy settlement within 30 days. */
  maxVisitsIn30Days: 9,
  /** rx.readmission: same facility, same diagnosis, < 15 days; kept apart by 16 days whatever the facility. */
  minDaysBetweenStays: 16,
  /** reflow.stockpile fires when more than 30 days of earlier supply remain. */
  maxRemainingSupplyDays: 20,
  /** reflow.pharmacy_hopping fires at a 3rd distinct facility for a drug within 30 days. */
  hoppingWindowDays: 31,
  maxFacilitiesPerDrug: 2,
  /** Least time between two settlements of one person. */
  minGapMs: 2 * HOUR_MS,
} as const;

/**
 * Supply records, flat and fixed-stride to keep memory small (one array per person):
 * `[groupId, endMs, facilityA, msA, facilityB, msB]` — the drug group, when the person's supply of
 * it runs out (coverage chain), and the last time each of (at most) two facilities sold it. Two
 * slots suffice: the hopping guard never lets a third facility into the window.
 */
const STRIDE = 6;
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
}

export function emptyHistory(): PersonHistory {
  return { lastSaleMs: Number.NEGATIVE_INFINITY, lastDischargeMs: Number.NEGATIVE_INFINITY, visits: [], supply: undefined, tests: undefined };
}

/** May the person have an outpatient or pharmacy settlement at `ms`? */
export function canVisit(h: PersonHistory, ms: number): boolean {
  if (ms - h.lastSaleMs < HISTORY_GUARDS.minGapMs) return false;
  let recent = 0;
  for (const t of h.visits) if (ms - t < 30 * DAY_MS) recent++;
  return recent < HISTORY_GUARDS.maxVisitsIn30Days;
}

/** May the person have a stay [begnMs, endMs] settled now? No settlement of theirs may fall inside it. */
export function canAdmit(h: PersonHistory, begnMs: number): boolean {
  return h.lastSaleMs < begnMs - HISTORY_GUARDS.minGapMs && begnMs - h.lastDischargeMs >= HISTORY_GUARDS.minDaysBetweenStays * DAY_MS;
}

function findSupply(supply: readonly number[], groupId: number): number {
  for (let i = 0; i < supply.length; i += STRIDE) if (supply[i] === groupId) return i;
  return -1;
}

/** May the person be sold a drug of this group at this facility at `ms` without stockpiling or hopping? */
export function canSupply(h: PersonHistory, groupId: number, facility: number, ms: number): boolean {
  const supply = h.supply;
  const i = supply ? findSupply(supply, groupId) : -1;
  if (!supply || i < 0) return true;
  if ((supply[i + 1] as number) - ms > HISTORY_GUARDS.maxRemainingSupplyDays * DAY_MS) return false;
  const window = HISTORY_GUARDS.hoppingWindowDays * DAY_MS;
  const a = supply[i + 2] as number;
  const b = supply[i + 4] as number;
  const inA = a !== NO_FACILITY && ms - (supply[i + 3] as number) < window;
  const inB = b !== NO_FACILITY && ms - (supply[i + 5] as number) < window;
  if ((inA && a === facility) || (inB && b === facility)) return true;
  return Number(inA) + Number(inB) < HISTORY_GUARDS.maxFacilitiesPerDrug;
}

/** May the person have this interval-limited test at `ms`? */
export function canTest(h: PersonHistory, code: string, minIntervalDays: number, ms: number): boolean {
  const last = h.tests?.get(code);
  return last === undefined || ms - last >= (minIntervalDays + 1) * DAY_MS;
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
    h.visits = h.visits.filter((t) => sale.ms - t < 30 * DAY_MS);
    h.visits.push(sale.ms);
  }
  for (const { groupId, prdDays } of sale.drugs) recordSupply(h, groupId, prdDays, sale.facility, sale.ms);
  for (const code of sale.tests) {
    h.tests ??= new Map();
    h.tests.set(code, sale.ms);
  }
}

function recordSupply(h: PersonHistory, groupId: number, prdDays: number, facility: number, ms: number): void {
  const window = HISTORY_GUARDS.hoppingWindowDays * DAY_MS;
  let supply = h.supply ?? [];
  let i = findSupply(supply, groupId);
  if (i < 0) {
    // Drop records that no longer matter (supply ended and no sale in the window) before adding one.
    const kept: number[] = [];
    for (let j = 0; j < supply.length; j += STRIDE) {
      const live = (supply[j + 1] as number) > ms || ms - (supply[j + 3] as number) < window || ms - (supply[j + 5] as number) < window;
      if (live) for (let k = 0; k < STRIDE; k++) kept.push(supply[j + k] as number);
    }
    supply = kept;
    i = supply.length;
    supply.push(groupId, ms, NO_FACILITY, 0, NO_FACILITY, 0);
  }
  supply[i + 1] = Math.max(supply[i + 1] as number, ms) + prdDays * DAY_MS;
  if (supply[i + 2] === facility) supply[i + 3] = ms;
  else if (supply[i + 4] === facility) supply[i + 5] = ms;
  else if (supply[i + 2] === NO_FACILITY || (supply[i + 3] as number) <= (supply[i + 5] as number)) {
    supply[i + 2] = facility;
    supply[i + 3] = ms;
  } else {
    supply[i + 4] = facility;
    supply[i + 5] = ms;
  }
  h.supply = supply;
}
