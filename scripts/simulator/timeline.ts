/**
 * Event time for the simulator: when settlements happen. Arrivals follow a daily rhythm (a morning
 * and an afternoon peak, quiet nights, quieter weekends) and come out in ascending order, one at a
 * time, without holding the whole sequence: the i-th arrival is the i-th order statistic of N draws
 * from the rhythm's distribution over the span, generated sequentially (exact, O(1) memory).
 */
import { DAY_MS, LOCAL_UTC_OFFSET_MINUTES } from '../../pipeline/time/event-time.js';
import type { Random } from './random.js';

export const HOUR_MS = 3_600_000;
const OFFSET_MS = LOCAL_UTC_OFFSET_MINUTES * 60_000;

/** Relative settlement intensity by local hour of day (0–23). */
const HOURLY_WEIGHT: readonly number[] = [
  0.05, 0.04, 0.03, 0.03, 0.03, 0.05, 0.15, 0.5, 1.5, 1.8, 1.8, 1.5, 0.8, 0.8, 1.3, 1.4, 1.3, 1.0, 0.7, 0.6, 0.5, 0.35, 0.2, 0.1,
];
/** Saturday and Sunday are quieter. */
const WEEKEND_FACTOR = 0.65;

/** `2026-11-01T08:23:45+08:00`: an instant as platform-local ISO 8601, to the second. */
export function formatLocal(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000 + OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** Local hour of day (0–23) of an instant. */
export function localHour(ms: number): number {
  return Math.floor((((ms + OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS / HOUR_MS);
}

/** Milliseconds of local midnight starting the local day of an instant. */
export function localMidnight(ms: number): number {
  return Math.floor((ms + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
}

/** Intensity of the daily rhythm at an instant. */
export function intensityAt(ms: number): number {
  const local = new Date(ms + OFFSET_MS);
  const weekday = local.getUTCDay();
  const base = HOURLY_WEIGHT[local.getUTCHours()] ?? 1;
  return weekday === 0 || weekday === 6 ? base * WEEKEND_FACTOR : base;
}

/**
 * Yields `count` instants in [startMs, startMs + spanMs), ascending, distributed by the rhythm.
 * Uses hour buckets (the first and last may be partial) and the sequential order-statistics recurrence
 * u(i) = 1 − (1 − u(i−1)) · V^(1/(n−i+1)).
 */
export function* arrivalTimes(rng: Random, startMs: number, spanMs: number, count: number): Generator<number> {
  const edges: number[] = [startMs];
  let t = startMs;
  while (t < startMs + spanMs) {
    const next = Math.min(startMs + spanMs, Math.floor(t / HOUR_MS) * HOUR_MS + HOUR_MS);
    edges.push(next);
    t = next;
  }
  const cumulative: number[] = [0];
  for (let i = 0; i + 1 < edges.length; i++) {
    const a = edges[i] as number;
    const b = edges[i + 1] as number;
    cumulative.push((cumulative[i] as number) + intensityAt(a) * (b - a));
  }
  const total = cumulative[cumulative.length - 1] as number;
  let u = 0;
  let bucket = 0;
  for (let i = 0; i < count; i++) {
    const remaining = count - i;
    u = 1 - (1 - u) * Math.pow(1 - rng.next(), 1 / remaining);
    const target = u * total;
    while (bucket + 2 < cumulative.length && (cumulative[bucket + 1] as number) <= target) bucket++;
    const c0 = cumulative[bucket] as number;
    const c1 = cumulative[bucket + 1] as number;
    const a = edges[bucket] as number;
    const b = edges[bucket + 1] as number;
    const frac = c1 > c0 ? (target - c0) / (c1 - c0) : 0;
    yield Math.min(b - 1, Math.floor(a + frac * (b - a)));
  }
}
