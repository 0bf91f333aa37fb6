/**
 * The dashboard's HTTP API: the shapes the server (`pipeline/dashboard/*`) sends and the page
 * (`pipeline/dashboard/web/`) reads. Types only (plus constants), so the browser bundle can import
 * it. Amounts are yuan; times are ISO 8601 strings (event times with `+08:00`, wall-clock UTC) or
 * epoch milliseconds where a chart needs numbers.
 *
 * Routes (all under the same origin; all require the credential when one is configured):
 * - `GET  /`                         the page (static, bundled by Vite into `dist/dashboard/`)
 * - `GET  /api/meta`                 {@link MetaResponse}
 * - `GET  /api/alerts?<AlertFilter>` {@link AlertListResponse} (from ClickHouse, newest event first)
 * - `GET  /api/alerts/:alert_id`     {@link AlertDetailResponse}; 404 `{error}` when unknown
 * - `POST /api/alerts/:alert_id/review` body {@link ReviewRequest} → 201 {@link Review}; 400 `{error, problems}`
 * - `GET  /api/overview`             {@link OverviewResponse}
 * - `GET  /api/feed?<AlertFilter>`   Server-Sent Events: `hello` {@link FeedHello}, `alerts` {@link FeedBatch},
 *                                    `stats` {@link FeedStats} once a second
 * - `GET  /metrics`                  Prometheus text format
 * - `POST /precheck`                 the pre-event check (see README)
 */
import type { Alert, AlertKind, Phase, Severity } from '../contracts/alert.js';

/** Filters of the feed and the alert list. Every field optional; empty string = no filter. */
export interface AlertFilter {
  phase?: Phase | '';
  kind?: AlertKind | '';
  severity?: Severity | '';
  /** Region code (医保区划). */
  admdvs?: string;
  fixmedins_code?: string;
  /** Search: matches `setl_id`, `psn_no` or `fixmedins_code` exactly. */
  q?: string;
}

export const FILTER_FIELDS = ['phase', 'kind', 'severity', 'admdvs', 'fixmedins_code', 'q'] as const;

/** An alert as listed in the feed: the contract's record without evidence (the detail has it), optional codes as `''`. */
export type AlertSummary = Omit<Alert, 'evidence' | 'detector' | 'feedetl_sn' | 'med_list_codg' | 'bilg_dr_codg'> & {
  med_list_codg: string;
  bilg_dr_codg: string;
  /** Latest review decision, when reviewed (list and detail only; the live feed has none). */
  review?: ReviewDecision;
};

/** One problem of a rejected request: the field (or the pre-event check's reason), in English and Chinese. */
export interface ApiProblem {
  field?: string;
  reason?: string;
  detail: string;
  message_zh: string;
}

/** Every 4xx/5xx body: `error` in English; `message_zh` for 401/404/5xx; `problems` for 400. */
export interface ApiErrorBody {
  error: string;
  message_zh?: string;
  problems?: ApiProblem[];
}

export interface MetaResponse {
  kinds: { kind: AlertKind; name_zh: string }[];
  phases: { phase: Phase; name_zh: string }[];
  severities: { severity: Severity; name_zh: string }[];
  /** Regions seen in alerts. */
  regions: string[];
  /** Whether a credential protects the server; `user` is the authenticated user name. */
  auth: { required: boolean; user: string | null };
  /** Rows the feed table keeps; flushes bring at most `maxPerFlush` alerts each `flushMs`. */
  feed: { maxRows: number; maxPerFlush: number; flushMs: number };
}

export interface AlertListResponse {
  alerts: AlertSummary[];
  /** Alerts matching the filter in ClickHouse (may exceed `alerts.length`); unless searching for a settlement or person, within the 30 event days before the newest alert. */
  total: number;
  limit: number;
}

export interface SettlementView {
  setl_id: string;
  setl_type: string;
  orig_setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  gend: string;
  brdy: string;
  admdvs: string;
  fixmedins_code: string;
  fixmedins_type: string;
  med_type: string;
  setl_time: string;
  begntime: string | null;
  endtime: string | null;
  diag_codes: string[];
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  item_count: number;
}

export interface ItemView {
  feedetl_sn: string;
  med_list_codg: string;
  /** Catalogue name, when the code is in the catalogue. */
  name: string | null;
  list_type: string;
  cnt: number;
  pric: number;
  det_item_fee_sumamt: number;
  prd_days: number | null;
  bilg_dr_codg: string;
  drug_trac_codg: string[];
}

export type ReviewDecision = 'confirmed' | 'dismissed';
export const REVIEW_DECISIONS = ['confirmed', 'dismissed'] as const;
export const REVIEW_DECISION_NAMES_ZH: Readonly<Record<ReviewDecision, string>> = { confirmed: '确认违规', dismissed: '排除' };

export interface ReviewRequest {
  decision: ReviewDecision;
  /** Reviewer's note (复核意见), up to 2000 characters. */
  note: string;
  /** Reviewer's name; required unless a credential is configured (then the authenticated user is used). */
  reviewer?: string;
}

export interface Review {
  review_id: string;
  alert_id: string;
  decision: ReviewDecision;
  note: string;
  reviewer: string;
  reviewed_at: string;
}

export interface AlertDetailResponse {
  alert: AlertSummary & { evidence: Record<string, unknown>; detector: string; feedetl_sn: string };
  /** The settlement concerned, or null when it is not (yet) in ClickHouse. */
  settlement: SettlementView | null;
  items: ItemView[];
  /** Other settlements the evidence names (earlier use of a trace code, the overlapping stay, …). */
  related_settlements: SettlementView[];
  /** Every review of this alert, newest first (append-only history). */
  reviews: Review[];
  /** Other alerts of the same person / facility, newest first (capped). */
  person_alerts: AlertSummary[];
  facility_alerts: AlertSummary[];
}

export interface OverviewResponse {
  /** Event-time range of the charts: the last `days` local dates up to the newest alert's. */
  range: { from: string; to: string; days: number };
  /** Alerts per kind per event-time day (epoch ms of local midnight). */
  alerts_by_day: { days: number[]; series: { kind: AlertKind; counts: number[] }[] };
  /** Settlements per second and consumer lag, sampled once a second by this process (`t`: epoch ms, wall clock). */
  throughput: { t: number[]; settlements_per_s: number[]; lag: number[] };
  amount_by_region: { admdvs: string; amount: number; alerts: number }[];
  /** "Today" is the newest event date with alerts (`range.to`), so replays of history read the same. */
  top_facilities: { fixmedins_code: string; amount: number; alerts: number }[];
  top_doctors: { bilg_dr_codg: string; fixmedins_code: string; amount: number; alerts: number }[];
  dead_letters: { total: number; by_reason: { reason: string; message_zh: string; count: number }[] };
  totals: { alerts: number; amount: number; reviewed: number; confirmed: number };
}

export interface FeedHello {
  server_time: string;
  filter: AlertFilter;
}

/** One flush of the live feed (at most one per `flushMs`). */
export interface FeedBatch {
  /** Newest first, at most `maxPerFlush`. */
  alerts: AlertSummary[];
  /** Alerts matching the filter since the previous flush (≥ alerts.length). */
  matched: number;
  /** `matched - alerts.length`: not sent during a flood (counted in `by_kind`). */
  dropped: number;
  /** Matching alerts per kind since the previous flush, dropped ones included. */
  by_kind: Partial<Record<AlertKind, number>>;
  /**
   * Alerts of any filter that the server could not even buffer since the previous flush (a flood
   * beyond its bound, or this browser's connection backed up): unknown whether they matched.
   */
  lost: number;
}

export interface FeedStats {
  /** Epoch milliseconds (wall clock) of the sample. */
  t: number;
  settlements_per_s: number;
  alerts_per_s: number;
  lag: number;
  dead_letters: number;
}
