/**
 * What the dashboard reads about alerts from ClickHouse: the filtered list, one alert's detail
 * (its settlement and items, the settlements its evidence names, its reviews, the person's and the
 * facility's other alerts) and the region list. Queries are the named files of `sql/queries/`.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Catalogue } from '../catalogue/catalogue.js';
import { isoFromClickHouse } from '../sinks/rows.js';
import { DAY_MS } from '../time/event-time.js';
import { runQuery } from '../infra/sql-queries.js';
import { cached } from './cached.js';
import type { AlertDetailResponse, AlertFilter, AlertListResponse, AlertSummary, ItemView, Review, ReviewDecision, SettlementView } from './api-types.js';

/** Alerts listed beside a detail (the person's, the facility's). */
const RELATED_ALERTS = 20;
/** Lists read this many days of event time before the newest alert (searches for a settlement or person read all). */
export const RECENT_DAYS = 30;
/** Settlements named by an evidence that the detail resolves. */
const MAX_EVIDENCE_SETTLEMENTS = 20;

type Row = Record<string, unknown>;

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export function summaryFromRow(r: Row): AlertSummary {
  return {
    alert_id: str(r.alert_id),
    kind: str(r.kind) as AlertSummary['kind'],
    phase: str(r.phase) as AlertSummary['phase'],
    severity: str(r.severity) as AlertSummary['severity'],
    score: Number(r.score),
    setl_id: str(r.setl_id),
    psn_no: str(r.psn_no),
    fixmedins_code: str(r.fixmedins_code),
    admdvs: str(r.admdvs),
    med_list_codg: str(r.med_list_codg),
    bilg_dr_codg: str(r.bilg_dr_codg),
    amount_at_risk: Number(r.amount_at_risk),
    event_time: isoFromClickHouse(str(r.event_time), '+08:00'),
    detected_at: isoFromClickHouse(str(r.detected_at), 'Z'),
    message: str(r.message),
  };
}

function settlementFromRow(r: Row): SettlementView {
  const time = (v: unknown): string | null => (v === null || v === undefined ? null : isoFromClickHouse(str(v), '+08:00'));
  return {
    setl_id: str(r.setl_id),
    setl_type: str(r.setl_type),
    orig_setl_id: str(r.orig_setl_id),
    mdtrt_id: str(r.mdtrt_id),
    psn_no: str(r.psn_no),
    gend: str(r.gend),
    brdy: str(r.brdy),
    admdvs: str(r.admdvs),
    fixmedins_code: str(r.fixmedins_code),
    fixmedins_type: str(r.fixmedins_type),
    med_type: str(r.med_type),
    setl_time: time(r.setl_time) ?? '',
    begntime: time(r.begntime),
    endtime: time(r.endtime),
    diag_codes: (r.diag_codes as string[] | undefined) ?? [],
    medfee_sumamt: Number(r.medfee_sumamt),
    fund_pay_sumamt: Number(r.fund_pay_sumamt),
    item_count: Number(r.item_count),
  };
}

/** Every settlement id an evidence names (`*setl_id`, `*setl_ids`, and inside nested lists). */
export function settlementIdsInEvidence(evidence: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(evidence)) {
    for (const v of evidence) settlementIdsInEvidence(v, into);
  } else if (evidence && typeof evidence === 'object') {
    for (const [key, value] of Object.entries(evidence)) {
      if (/setl_id$/.test(key) && typeof value === 'string') {
        if (value) into.add(value);
      } else if (/setl_ids$/.test(key) && Array.isArray(value)) {
        for (const v of value) if (typeof v === 'string' && v) into.add(v);
      } else if (value && typeof value === 'object') {
        settlementIdsInEvidence(value, into);
      }
    }
  }
  return into;
}

type ListFilter = AlertFilter & { psn_no?: string; exclude?: string };

/**
 * Query parameters of `alert_list.sql` and `alert_count.sql`: every filter present, empty meaning
 * none. A search for one settlement or person (`q`, `psn_no`) looks through all history; anything
 * else reads the {@link RECENT_DAYS} before the newest alert.
 */
function listParams(filter: ListFilter, newestMs: number): Record<string, unknown> {
  return {
    phase: filter.phase ?? '',
    kind: filter.kind ?? '',
    severity: filter.severity ?? '',
    admdvs: filter.admdvs ?? '',
    fixmedins_code: filter.fixmedins_code ?? '',
    psn_no: filter.psn_no ?? '',
    q: filter.q ?? '',
    exclude: filter.exclude ?? '',
    since_ms: filter.q || filter.psn_no || newestMs === 0 ? 0 : newestMs - RECENT_DAYS * DAY_MS,
  };
}

/** How long the newest event time is reused before it is read again. */
const NEWEST_TTL_MS = 2_000;

export interface AlertReads {
  list(filter: AlertFilter, limit: number): Promise<AlertListResponse>;
  /** undefined when no such alert is in ClickHouse. */
  detail(alertId: string): Promise<AlertDetailResponse | undefined>;
  regions(): Promise<string[]>;
  /** Epoch ms of the newest alert's event time (not more than a day ahead of now); 0 when none. Cached briefly. */
  newestEventMs(): Promise<number>;
}

export function createAlertReads(client: ClickHouseClient, catalogue: Catalogue): AlertReads {
  const newestEventMs = cached(async () => Number((await runQuery<{ ms: string | number }>(client, 'newest_event_time'))[0]?.ms ?? 0), NEWEST_TTL_MS);

  async function withLabels(alerts: AlertSummary[]): Promise<AlertSummary[]> {
    if (!alerts.length) return alerts;
    const labels = await runQuery<{ alert_id: string; decision: ReviewDecision }>(client, 'alert_labels', { alert_ids: alerts.map((a) => a.alert_id) });
    const byId = new Map(labels.map((l) => [l.alert_id, l.decision]));
    return alerts.map((a) => (byId.has(a.alert_id) ? { ...a, review: byId.get(a.alert_id)! } : a));
  }

  /** The newest matching alerts, and how many match (unless `count` is false: then the rows listed). */
  async function list(filter: ListFilter, limit: number, count = true): Promise<AlertListResponse> {
    const params = listParams(filter, await newestEventMs());
    const [rows, total] = await Promise.all([
      runQuery<Row>(client, 'alert_list', { ...params, limit }),
      count ? runQuery<{ total: string | number }>(client, 'alert_count', params).then(([r]) => Number(r?.total ?? 0)) : undefined,
    ]);
    return { alerts: await withLabels(rows.map(summaryFromRow)), total: total ?? rows.length, limit };
  }

  return {
    newestEventMs,
    list: (filter, limit) => list(filter, limit),
    async detail(alertId) {
      const [row] = await runQuery<Row>(client, 'alert_by_id', { alert_id: alertId });
      if (!row) return undefined;
      const evidence = JSON.parse(str(row.evidence) || '{}') as Record<string, unknown>;
      const summary = summaryFromRow(row);
      const named = [...settlementIdsInEvidence(evidence)].filter((id) => id !== summary.setl_id).slice(0, MAX_EVIDENCE_SETTLEMENTS);
      const [settlements, items, reviews, person, facility] = await Promise.all([
        runQuery<Row>(client, 'settlements_by_id', { setl_ids: [summary.setl_id, ...named] }),
        runQuery<Row>(client, 'settlement_items', { setl_id: summary.setl_id }),
        runQuery<Row>(client, 'alert_reviews', { alert_id: alertId }),
        list({ psn_no: summary.psn_no, exclude: alertId }, RELATED_ALERTS, false),
        list({ fixmedins_code: summary.fixmedins_code, exclude: alertId }, RELATED_ALERTS, false),
      ]);
      const views = settlements.map(settlementFromRow);
      const reviewList: Review[] = reviews.map((r) => ({
        review_id: str(r.review_id),
        alert_id: str(r.alert_id),
        decision: str(r.decision) as ReviewDecision,
        note: str(r.note),
        reviewer: str(r.reviewer),
        reviewed_at: isoFromClickHouse(str(r.reviewed_at), 'Z'),
      }));
      const latest = reviewList[0];
      return {
        alert: {
          ...summary,
          ...(latest ? { review: latest.decision } : {}),
          evidence,
          detector: str(row.detector),
          feedetl_sn: str(row.feedetl_sn),
        },
        settlement: views.find((s) => s.setl_id === summary.setl_id) ?? null,
        items: items.map(
          (r): ItemView => ({
            feedetl_sn: str(r.feedetl_sn),
            med_list_codg: str(r.med_list_codg),
            name: catalogue.get(str(r.med_list_codg))?.name ?? null,
            list_type: str(r.list_type),
            cnt: Number(r.cnt),
            pric: Number(r.pric),
            det_item_fee_sumamt: Number(r.det_item_fee_sumamt),
            prd_days: r.prd_days === null || r.prd_days === undefined ? null : Number(r.prd_days),
            bilg_dr_codg: str(r.bilg_dr_codg),
            drug_trac_codg: (r.drug_trac_codg as string[] | undefined) ?? [],
          }),
        ),
        related_settlements: views.filter((s) => s.setl_id !== summary.setl_id),
        reviews: reviewList,
        person_alerts: person.alerts,
        facility_alerts: facility.alerts,
      };
    },
    async regions() {
      return (await runQuery<{ admdvs: string }>(client, 'alert_regions')).map((r) => r.admdvs);
    },
  };
}
