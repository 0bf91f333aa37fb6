/**
 * Deaths notified by the civil registry (死亡信息共享), for `rx.deceased`: planned from the options
 * alone (before any traffic), so that `simulatedDeaths(options)` gives the person-status lines of a
 * run without generating it, and the pipeline can load them before the first settlement
 * (`replay --persons`).
 *
 * - **Deceased** persons die before the span or in its first 40 %; after their death they are only
 *   ever settled for by the `rx.deceased` injector (a card used after death), never by background.
 * - **Near misses** die during the span: background settles for them as usual up to their day of
 *   death, and the injector adds a settlement on that very day — none of it fires (a settlement on
 *   the day of death is not after it).
 */
import type { PersonStatus } from '../../pipeline/contracts/settlement.js';
import { DAY_MS, localDate } from '../../pipeline/time/event-time.js';
import { psnNo } from './population.js';
import type { Random } from './random.js';

export interface PlannedDeath extends PersonStatus {
  /** Index of the person in the population. */
  readonly index: number;
  /** Local midnight after `death_date`: from then on a settlement of theirs fires. */
  readonly deadFromMs: number;
  readonly nearMiss: boolean;
}

export interface DeathPlanOptions {
  settlements: number;
  persons: number;
  startMs: number;
  spanDays: number;
  injectionRate: number;
  /** Person-number tag of the population (`P` + the run's seed tag). */
  idTag: string;
}

/** Local midnight starting a `YYYY-MM-DD` (platform time, +08:00). */
function midnightOf(date: string): number {
  return Date.parse(`${date}T00:00:00+08:00`);
}

/** The deaths of a run (none when `rx.deceased` is not injected: pass `injectionRate` 0). */
export function planDeaths(rng: Random, o: DeathPlanOptions): PlannedDeath[] {
  if (!(o.injectionRate > 0) || o.settlements === 0) return [];
  const cap = Math.max(2, Math.floor(o.persons / 50));
  const deceased = Math.min(cap, Math.max(2, Math.round((o.settlements * o.injectionRate) / 40)));
  const nearMisses = Math.min(cap, Math.max(1, Math.round(deceased / 2)));
  const taken = new Set<number>();
  const out: PlannedDeath[] = [];
  const spanMs = o.spanDays * DAY_MS;
  for (let k = 0; k < deceased + nearMisses && taken.size < o.persons; k++) {
    let index = rng.int(o.persons);
    while (taken.has(index)) index = (index + 1) % o.persons;
    taken.add(index);
    const nearMiss = k >= deceased;
    const atMs = nearMiss
      ? o.startMs + DAY_MS + rng.next() * (spanMs + DAY_MS)
      : rng.chance(0.7) ? o.startMs - rng.between(1, 365) * DAY_MS : o.startMs + rng.next() * 0.4 * spanMs;
    const death_date = localDate(atMs);
    out.push({ psn_no: psnNo(o.idTag, index), death_date, index, deadFromMs: midnightOf(death_date) + DAY_MS, nearMiss });
  }
  return out;
}
