/**
 * The overview: alerts by kind over event-time days, throughput and lag (from the sampler's
 * samples, {@link throughputOf}), amount at risk by region, the facilities and doctors with the
 * most amount at risk on the newest event day ("today" in event time, so replaying history reads
 * the same), dead letters and totals.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { runQuery } from '../infra/sql-queries.js';
import type { AlertKind } from '../contracts/alert.js';
import type { FeedStats, OverviewResponse } from './api-types.js';
import { DAY_MS, localDate } from '../time/event-time.js';
import { REJECT_REASONS, type RejectReason } from '../decode/reject-reasons.js';

const TOP = 10;

/** Epoch ms of local (UTC+8) midnight of a `YYYY-MM-DD` date. */
export function localMidnightMs(day: string): number {
  return Date.parse(`${day}T00:00:00+08:00`);
}

/** The overview's ClickHouse part; `newestMs` (0 when there is no alert) makes "today". */
export async function readOverview(client: ClickHouseClient, newestMs: number, days = 14): Promise<Omit<OverviewResponse, 'throughput'>> {
  const to = localDate(newestMs > 0 ? newestMs : Date.now());
  const dayList = Array.from({ length: days }, (_, i) => localMidnightMs(to) - (days - 1 - i) * DAY_MS);
  const from = localDate(dayList[0]!);
  const [byDay, regions, facilities, doctors, deadLetters, [totals]] = await Promise.all([
    runQuery<{ day: string; kind: AlertKind; alerts: string }>(client, 'overview_alerts_by_day', { from, to }),
    runQuery<{ admdvs: string; amount: number; alerts: string }>(client, 'overview_amount_by_region', { from, to }),
    runQuery<{ fixmedins_code: string; amount: number; alerts: string }>(client, 'overview_top_facilities', { day: to, limit: TOP }),
    runQuery<{ bilg_dr_codg: string; fixmedins_code: string; amount: number; alerts: string }>(client, 'overview_top_doctors', { day: to, limit: TOP }),
    runQuery<{ reason: string; count: string }>(client, 'overview_dead_letters'),
    runQuery<{ alerts: string; amount: number | null; reviewed: string; confirmed: string }>(client, 'overview_totals', { from, to }),
  ]);
  const index = new Map(dayList.map((ms, i) => [ms, i]));
  const series = new Map<AlertKind, number[]>();
  for (const r of byDay) {
    const i = index.get(localMidnightMs(r.day));
    if (i === undefined) continue;
    let counts = series.get(r.kind);
    if (!counts) series.set(r.kind, (counts = new Array<number>(days).fill(0)));
    counts[i] = Number(r.alerts);
  }
  const dl = deadLetters.map((r) => ({ reason: r.reason, message_zh: REJECT_REASONS[r.reason as RejectReason] ?? r.reason, count: Number(r.count) }));
  return {
    range: { from, to, days },
    alerts_by_day: { days: dayList, series: [...series].map(([kind, counts]) => ({ kind, counts })).sort((a, b) => a.kind.localeCompare(b.kind)) },
    amount_by_region: regions.map((r) => ({ admdvs: r.admdvs, amount: Number(r.amount), alerts: Number(r.alerts) })),
    top_facilities: facilities.map((r) => ({ fixmedins_code: r.fixmedins_code, amount: Number(r.amount), alerts: Number(r.alerts) })),
    top_doctors: doctors.map((r) => ({ bilg_dr_codg: r.bilg_dr_codg, fixmedins_code: r.fixmedins_code, amount: Number(r.amount), alerts: Number(r.alerts) })),
    dead_letters: { total: dl.reduce((s, r) => s + r.count, 0), by_reason: dl },
    totals: { alerts: Number(totals?.alerts ?? 0), amount: Number(totals?.amount ?? 0), reviewed: Number(totals?.reviewed ?? 0), confirmed: Number(totals?.confirmed ?? 0) },
  };
}

/** The throughput chart's series, from the sampler's once-a-second samples. */
export function throughputOf(samples: readonly FeedStats[]): OverviewResponse['throughput'] {
  return { t: samples.map((s) => s.t), settlements_per_s: samples.map((s) => s.settlements_per_s), lag: samples.map((s) => s.lag) };
}
