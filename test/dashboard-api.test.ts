/**
 * The dashboard's server on real nats-server + chDB: the alert list and its filters, the detail
 * with evidence and the settlements it names, reviews appended to ClickHouse, the live feed over
 * SSE (with its filter and its flood cap), `/metrics` moving when settlements flow, and personal
 * identifiers kept out of the logs.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertDetailResponse, AlertListResponse, AlertSummary, FeedBatch, MetaResponse, OverviewResponse, Review } from '../pipeline/dashboard/api-types.js';
import { batchFor, startFeedHub } from '../pipeline/dashboard/feed-hub.js';
import { createAlertReads, settlementIdsInEvidence } from '../pipeline/dashboard/alert-reads.js';
import { cached } from '../pipeline/dashboard/cached.js';
import { readOverview } from '../pipeline/dashboard/overview.js';
import { createLogger } from '../pipeline/logger.js';
import { GOLDEN_CATALOGUE } from './support/paths.js';
import { metricSum, parseMetrics } from './support/dashboard.js';
import { femaleOnly, hba1c, settlementWith } from './support/settlements.js';
import { openFeedReader as openFeed } from '../pipeline/dashboard/feed-reader.js';
import type { Settlement } from '../pipeline/contracts/settlement.js';

const TRACE_CODE = '81828738860000099901';
const traced = (code: string) => ({ feedetl_sn: '1', med_list_codg: 'XA10AEG999A001010100000', list_type: '101' as const, cnt: 1, pric: 80, det_item_fee_sumamt: 80, prd_days: 30, drug_trac_codg: [code] });
const settlement = (id: string, over: Partial<Settlement> & Pick<Settlement, 'items'>): Settlement => settlementWith(id, { psn_no: 'PSN-DASH-1', ...over });
import { startTestRuntime, type TestRuntime } from './support/test-runtime.js';

let rt: TestRuntime;
const logLines: string[] = [];

const get = async <T>(path: string): Promise<{ status: number; json: T }> => {
  const r = await fetch(`${rt.httpUrl}${path}`);
  return { status: r.status, json: (await r.json()) as T };
};
const post = async <T>(path: string, body: unknown): Promise<{ status: number; json: T }> => {
  const r = await fetch(`${rt.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as T };
};
const scrape = async (): Promise<Map<string, number>> => parseMetrics(await (await fetch(`${rt.httpUrl}/metrics`)).text());

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  rt = await startTestRuntime({ cataloguePath: GOLDEN_CATALOGUE }, { http: true, logger: createLogger({ level: 'debug', destination }) });
  await rt.publish([
    // A second HbA1c 10 days after the first (limit 90 days in the golden catalogue): rx.test_frequency naming the first.
    JSON.stringify(settlement('S-DASH-HBA1C-1', { items: [hba1c('1', 'D-DASH-7')], setl_time: '2026-11-01T09:00:00+08:00' })),
    JSON.stringify(settlement('S-DASH-HBA1C-2', { items: [hba1c('1', 'D-DASH-7')], setl_time: '2026-11-11T09:00:00+08:00' })),
    // A female-only drug for a man: rx.gender_restricted, at another facility and region.
    JSON.stringify(settlement('S-DASH-GENDER-1', { psn_no: 'PSN-DASH-2', gend: '1', admdvs: '110105', fixmedins_code: 'H11010500077', items: [femaleOnly('1', 'D-DASH-9')] })),
    // One package's trace code settled at a pharmacy, then again at another: reflow.trace_code_reuse,
    // whose evidence names the earlier settlement inside a nested list.
    JSON.stringify(settlement('S-DASH-TRACE-1', { psn_no: 'PSN-DASH-6', fixmedins_code: 'P32010200005', fixmedins_type: '2', med_type: '41', setl_time: '2026-11-03T10:00:00+08:00', items: [traced(TRACE_CODE)] })),
    JSON.stringify(settlement('S-DASH-TRACE-2', { psn_no: 'PSN-DASH-7', fixmedins_code: 'P32010200006', fixmedins_type: '2', med_type: '41', setl_time: '2026-11-05T10:00:00+08:00', items: [traced(TRACE_CODE)] })),
  ]);
  await rt.settle();
});
afterAll(async () => {
  await rt?.dispose();
});

describe('alert list and filters', () => {
  it('lists the alerts from ClickHouse, newest event first', async () => {
    const { status, json } = await get<AlertListResponse>('/api/alerts');
    expect(status).toBe(200);
    const kinds = json.alerts.map((a) => a.kind);
    expect(kinds).toContain('rx.test_frequency');
    expect(kinds).toContain('rx.gender_restricted');
    expect(json.total).toBe(json.alerts.length);
    const times = json.alerts.map((a) => Date.parse(a.event_time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('counts every match beyond the rows it returns', async () => {
    const { json } = await get<AlertListResponse>('/api/alerts?limit=1');
    expect(json.alerts).toHaveLength(1);
    expect(json.total).toBeGreaterThan(1);
    expect((await get<AlertListResponse>('/api/alerts?limit=1000')).json.total).toBe(json.total);
    expect((await get<AlertListResponse>('/api/alerts?limit=1.5')).status).toBe(200);
  });

  it('narrows by kind, region, facility and by a search on setl_id or psn_no', async () => {
    const byKind = (await get<AlertListResponse>('/api/alerts?kind=rx.gender_restricted')).json.alerts;
    expect(byKind.length).toBeGreaterThan(0);
    expect(byKind.every((a) => a.kind === 'rx.gender_restricted')).toBe(true);
    const byRegion = (await get<AlertListResponse>('/api/alerts?admdvs=320102')).json.alerts;
    expect(byRegion.length).toBeGreaterThan(0);
    expect(byRegion.every((a) => a.admdvs === '320102')).toBe(true);
    const bySetl = (await get<AlertListResponse>('/api/alerts?q=S-DASH-GENDER-1')).json.alerts;
    expect(bySetl.map((a) => a.setl_id)).toEqual(['S-DASH-GENDER-1']);
    const byPerson = (await get<AlertListResponse>('/api/alerts?q=PSN-DASH-1')).json.alerts;
    expect(byPerson.length).toBeGreaterThan(0);
    expect(byPerson.every((a) => a.psn_no === 'PSN-DASH-1')).toBe(true);
    expect((await get<AlertListResponse>('/api/alerts?fixmedins_code=NO-SUCH')).json.alerts).toEqual([]);
  });

  it('lists the 30 event days before the newest alert, and searches all history', async () => {
    await rt.publish([JSON.stringify(settlement('S-DASH-OLD-1', { psn_no: 'PSN-DASH-OLD', gend: '1', setl_time: '2026-09-01T09:00:00+08:00', items: [femaleOnly('1', 'D-DASH-9')] }))]);
    await rt.settle();
    const recent = (await get<AlertListResponse>('/api/alerts?limit=1000')).json.alerts;
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.some((a) => a.setl_id === 'S-DASH-OLD-1')).toBe(false);
    expect((await get<AlertListResponse>('/api/alerts?q=S-DASH-OLD-1')).json.alerts.map((a) => a.setl_id)).toEqual(['S-DASH-OLD-1']);
  });

  it('answers a bad filter with 400 and every problem, in English and Chinese', async () => {
    const { status, json } = await get<{ problems: { field: string; message_zh: string }[] }>('/api/alerts?kind=rx.nope&severity=extreme');
    expect(status).toBe(400);
    expect(json.problems.map((p) => p.field).sort()).toEqual(['kind', 'severity']);
    expect(json.problems[0]!.message_zh).toMatch(/筛选条件/);
  });

  it('meta lists kinds with Chinese names, the regions seen and the feed caps', async () => {
    const { json } = await get<MetaResponse>('/api/meta');
    expect(json.kinds.find((k) => k.kind === 'reflow.trace_code_reuse')?.name_zh).toBe('追溯码重复结算');
    expect(json.regions).toEqual(['110105', '320102']);
    expect(json.auth).toEqual({ required: false, user: null });
    expect(json.feed.maxPerFlush).toBeGreaterThan(0);
  });
});

describe('alert detail', () => {
  it('shows the evidence, the settlement and its items, the settlement the evidence names, and related alerts', async () => {
    const [alert] = (await get<AlertListResponse>('/api/alerts?kind=rx.test_frequency')).json.alerts;
    expect(alert).toBeDefined();
    const { status, json } = await get<AlertDetailResponse>(`/api/alerts/${encodeURIComponent(alert!.alert_id)}`);
    expect(status).toBe(200);
    expect(json.alert.message).toMatch(/[\u4e00-\u9fff]/);
    expect(json.alert.evidence).toMatchObject({ rule: '超频次', min_interval_days: expect.any(Number), interval_days: 10 });
    expect(json.settlement?.setl_id).toBe(alert!.setl_id);
    expect(json.items.map((i) => i.med_list_codg)).toEqual(['002503020030000']);
    expect(json.items[0]!.name).toBeTruthy();
    const other = json.alert.evidence.other_setl_id as string;
    expect(json.related_settlements.map((s) => s.setl_id)).toEqual([other]);
    expect(json.person_alerts.every((a) => a.psn_no === alert!.psn_no && a.alert_id !== alert!.alert_id)).toBe(true);
    expect(json.facility_alerts.every((a) => a.fixmedins_code === alert!.fixmedins_code)).toBe(true);
  });

  it('resolves the earlier settlement that holds the same trace code (named inside a nested list)', async () => {
    const [alert] = (await get<AlertListResponse>('/api/alerts?kind=reflow.trace_code_reuse&q=S-DASH-TRACE-2')).json.alerts;
    expect(alert?.setl_id).toBe('S-DASH-TRACE-2');
    const { json } = await get<AlertDetailResponse>(`/api/alerts/${encodeURIComponent(alert!.alert_id)}`);
    expect(json.alert.evidence).toMatchObject({ reuses: [{ code: TRACE_CODE, earlier: [{ setl_id: 'S-DASH-TRACE-1' }] }] });
    expect(json.related_settlements.map((s) => [s.setl_id, s.fixmedins_code])).toEqual([['S-DASH-TRACE-1', 'P32010200005']]);
  });

  it('finds settlement ids at any depth of an evidence, once each', () => {
    const ids = settlementIdsInEvidence({ other_setl_id: 'A', stay: { setl_id: 'B' }, chain: [{ setl_id: 'C' }, { setl_id: 'A' }], setl_ids: ['D', ''], reuses: [{ earlier: [{ setl_id: 'E' }] }], note: null });
    expect([...ids]).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('answers 404 for an unknown alert', async () => {
    const { status, json } = await get<{ message_zh: string }>('/api/alerts/NO-SUCH-ALERT');
    expect(status).toBe(404);
    expect(json.message_zh).toBe('未找到该告警');
  });
});

describe('review (疑点复核)', () => {
  it('refuses a review without a decision or a reviewer, saying why', async () => {
    const [alert] = (await get<AlertListResponse>('/api/alerts?kind=rx.gender_restricted')).json.alerts;
    const { status, json } = await post<{ problems: { field: string }[] }>(`/api/alerts/${alert!.alert_id}/review`, { decision: 'maybe', note: 'x' });
    expect(status).toBe(400);
    expect(json.problems.map((p) => p.field).sort()).toEqual(['decision', 'reviewer']);
    expect((await post(`/api/alerts/${alert!.alert_id}/review`, '{not json')).status).toBe(400);
    expect((await post('/api/alerts/NO-SUCH/review', { decision: 'confirmed', note: '', reviewer: '王审核' })).status).toBe(404);
  });

  it('appends each decision to ClickHouse with who and when; the label is the latest', async () => {
    const [alert] = (await get<AlertListResponse>('/api/alerts?kind=rx.gender_restricted')).json.alerts as [AlertSummary];
    const first = await post<Review>(`/api/alerts/${alert.alert_id}/review`, { decision: 'dismissed', note: '病历显示为误录性别', reviewer: '王审核' });
    expect(first.status).toBe(201);
    const second = await post<Review>(`/api/alerts/${alert.alert_id}/review`, { decision: 'confirmed', note: '核实为男性，违规', reviewer: '李复核' });
    expect(second.status).toBe(201);
    const rows = await rt.query<{ decision: string; reviewer: string; kind: string; fixmedins_code: string; bilg_dr_codg: string }>(
      `SELECT decision, reviewer, kind, fixmedins_code, bilg_dr_codg FROM alert_reviews WHERE alert_id = '${alert.alert_id}' ORDER BY reviewed_at, review_id`,
    );
    expect(rows).toEqual([
      { decision: 'dismissed', reviewer: '王审核', kind: 'rx.gender_restricted', fixmedins_code: 'H11010500077', bilg_dr_codg: 'D-DASH-9' },
      { decision: 'confirmed', reviewer: '李复核', kind: 'rx.gender_restricted', fixmedins_code: 'H11010500077', bilg_dr_codg: 'D-DASH-9' },
    ]);
    const labels = await rt.query<{ decision: string; reviews: string }>(`SELECT decision, toString(reviews) AS reviews FROM v_alert_labels WHERE alert_id = '${alert.alert_id}'`);
    expect(labels).toEqual([{ decision: 'confirmed', reviews: '2' }]);
    // Labels for a supervised model: confirmed findings by kind, facility and doctor.
    const byDoctor = await rt.query<{ n: string }>(`SELECT toString(count()) AS n FROM v_alert_labels WHERE decision = 'confirmed' AND kind = 'rx.gender_restricted' AND bilg_dr_codg = 'D-DASH-9'`);
    expect(byDoctor).toEqual([{ n: '1' }]);
    const detail = (await get<AlertDetailResponse>(`/api/alerts/${alert.alert_id}`)).json;
    expect(detail.reviews.map((r) => r.decision)).toEqual(['confirmed', 'dismissed']);
    expect(detail.alert.review).toBe('confirmed');
    const listed = (await get<AlertListResponse>(`/api/alerts?q=${alert.setl_id}`)).json.alerts.find((a) => a.alert_id === alert.alert_id);
    expect(listed?.review).toBe('confirmed');
  });
});

describe('overview', () => {
  it('counts alerts by kind per event day, amount by region, top facilities and doctors of the newest event day', async () => {
    const { json } = await get<OverviewResponse>('/api/overview');
    expect(json.range.to).toBe('2026-11-11');
    const series = new Map(json.alerts_by_day.series.map((s) => [s.kind, s.counts.reduce((a, b) => a + b, 0)]));
    expect(series.get('rx.test_frequency')).toBeGreaterThanOrEqual(1);
    expect(series.get('rx.gender_restricted')).toBe(1);
    expect(json.amount_by_region.map((r) => r.admdvs).sort()).toEqual(['110105', '320102']);
    expect(json.top_facilities.map((f) => f.fixmedins_code)).toEqual(['H32010200011']);
    expect(json.top_doctors[0]?.bilg_dr_codg).toBe('D-DASH-7');
    expect(json.totals.alerts).toBeGreaterThanOrEqual(2);
  });
});

describe('live feed (SSE)', () => {
  it('pushes a new alert to a browser whose filter it matches, and not to one whose filter it does not', async () => {
    const all = await openFeed(`${rt.httpUrl}/api/feed`);
    const other = await openFeed(`${rt.httpUrl}/api/feed?kind=price.outlier`);
    try {
      await all.next((e) => e.event === 'hello');
      await other.next((e) => e.event === 'hello');
      await rt.publish([JSON.stringify(settlement('S-DASH-LIVE-1', { psn_no: 'PSN-DASH-3', gend: '1', items: [femaleOnly('1', 'D-DASH-9')] }))]);
      const e = await all.next((ev) => ev.event === 'alerts' && (ev.data as { alerts: AlertSummary[] }).alerts.some((a) => a.setl_id === 'S-DASH-LIVE-1'));
      const batch = e.data as { alerts: AlertSummary[]; matched: number; dropped: number };
      expect(batch.alerts.find((a) => a.setl_id === 'S-DASH-LIVE-1')?.kind).toBe('rx.gender_restricted');
      expect(batch.matched).toBe(batch.alerts.length + batch.dropped);
      await rt.settle();
      expect(other.events.filter((ev) => ev.event === 'alerts')).toEqual([]);
    } finally {
      all.close();
      other.close();
    }
  });

  it('caps a flood: the newest alerts only, the rest counted by kind', () => {
    const flood = Array.from({ length: 500 }, (_, i) => ({ alert_id: `A${i}`, kind: i % 2 ? 'price.outlier' : 'rx.high_amount', phase: 'in', severity: 'low', setl_id: `S${i}`, psn_no: 'P', fixmedins_code: 'F', admdvs: '110105' }) as AlertSummary);
    const batch = batchFor({}, flood, 50)!;
    expect(batch.alerts.map((a) => a.alert_id)).toEqual(Array.from({ length: 50 }, (_, i) => `A${499 - i}`));
    expect(batch).toMatchObject({ matched: 500, dropped: 450, by_kind: { 'price.outlier': 250, 'rx.high_amount': 250 } });
    expect(batchFor({ kind: 'price.outlier' }, flood, 50)).toMatchObject({ matched: 250, dropped: 200 });
    expect(batchFor({ admdvs: '999999' }, flood, 50)).toBeUndefined();
    expect(batchFor({ admdvs: '999999' }, flood, 50, 7)).toMatchObject({ alerts: [], matched: 0, lost: 7 });
  });

  it('counts what it cannot buffer and tells every browser, whatever its filter', async () => {
    const overflowed: number[] = [];
    const hub = startFeedHub(rt.nc, createLogger({ level: 'silent' }), { subject: 'yb.test.overflow.>', flushMs: 200, maxPending: 10 }, { dropped: () => undefined, overflowed: (n) => overflowed.push(n) });
    const batches: FeedBatch[] = [];
    hub.add({ filter: { kind: 'rx.deceased' }, send: (b) => batches.push(b) });
    try {
      const alert = { alert_id: 'X', kind: 'rx.high_amount', phase: 'in', severity: 'low', setl_id: 'S', psn_no: 'P', fixmedins_code: 'F', admdvs: '110105' };
      for (let i = 0; i < 30; i++) rt.nc.publish('yb.test.overflow.x', JSON.stringify({ ...alert, alert_id: `OV-${i}` }));
      await rt.nc.flush();
      // 30 at once into a buffer of 10: 20 lost (at least 10 should a flush fall inside the burst).
      const lost = (): number => batches.reduce((n, b) => n + b.lost, 0);
      await expect.poll(lost, { timeout: 5_000 }).toBeGreaterThanOrEqual(10);
      expect(lost()).toBeLessThanOrEqual(20);
      expect(overflowed.reduce((a, b) => a + b, 0)).toBe(lost());
      expect(batches.every((b) => b.alerts.length === 0 && b.matched === 0)).toBe(true);
    } finally {
      await hub.close();
    }
  });
});

describe('/metrics', () => {
  it('moves settlements in, rejects by reason, alerts by kind, latency, sink batches and lag when settlements flow', async () => {
    const before = await scrape();
    await rt.publish([
      JSON.stringify(settlement('S-DASH-MET-1', { psn_no: 'PSN-DASH-4', gend: '1', items: [femaleOnly('1', 'D-DASH-9')] })),
      JSON.stringify(settlement('S-DASH-MET-2', { psn_no: 'PSN-DASH-5', items: [hba1c('1', 'D-DASH-7')] })),
      '{"setl_id": "broken',
    ]);
    await rt.settle();
    const after = await scrape();
    const delta = (name: string): number => metricSum(after, name) - metricSum(before, name);
    expect(delta('yb_settlements_in_total')).toBe(2);
    expect((after.get('yb_settlements_rejected_total{reason="not_json"}') ?? 0) - (before.get('yb_settlements_rejected_total{reason="not_json"}') ?? 0)).toBe(1);
    expect((after.get('yb_alerts_total{kind="rx.gender_restricted",severity="high"}') ?? 0) - (before.get('yb_alerts_total{kind="rx.gender_restricted",severity="high"}') ?? 0)).toBeGreaterThanOrEqual(1);
    expect(delta('yb_settlement_processing_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(delta('yb_sink_batch_rows_count{table="settlements"}') + delta('yb_sink_batch_rows_count')).toBeGreaterThan(0);
    expect(after.get('yb_consumer_lag_messages{consumer="yb-detector"}')).toBe(0);
    expect(after.has('yb_process_cpu_user_seconds_total')).toBe(true);
  });
});

describe('logs', () => {
  it('never carry a personal identifier, even when a person is searched and reviewed', async () => {
    await get('/api/alerts?q=PSN-DASH-1');
    const [alert] = (await get<AlertListResponse>('/api/alerts?q=PSN-DASH-1')).json.alerts;
    await post(`/api/alerts/${alert!.alert_id}/review`, { decision: 'confirmed', note: '', reviewer: '王审核' });
    await get(`/api/alerts/${alert!.alert_id}`);
    const text = logLines.join('');
    expect(text).toContain('review recorded');
    expect(text).not.toMatch(/PSN-DASH-\d/);
    expect(text).not.toContain('1970-03-04');
  });
});

describe('time bounds', () => {
  it('a settlement dated far ahead of the wall clock does not become the newest event time or "today"', async () => {
    await rt.publish([JSON.stringify(settlement('S-DASH-FUTURE-1', { psn_no: 'PSN-DASH-8', gend: '1', setl_time: '2099-01-01T09:00:00+08:00', items: [femaleOnly('1', 'D-DASH-9')] }))]);
    await rt.settle();
    // Fresh reads (the server's own are cached for a moment).
    const reads = createAlertReads(rt.clickhouse, rt.catalogue);
    expect((await reads.list({ q: 'S-DASH-FUTURE-1' }, 10)).alerts.map((a) => a.setl_id)).toEqual(['S-DASH-FUTURE-1']);
    const newest = await reads.newestEventMs();
    expect(newest).toBe(Date.parse('2026-11-11T09:00:00+08:00'));
    expect((await readOverview(rt.clickhouse, newest)).range.to).toBe('2026-11-11');
  });

  it('caches a load for its period, shares it between concurrent callers and forgets a failure', async () => {
    let now = 0;
    let loads = 0;
    let fail = false;
    const value = cached(async () => {
      loads += 1;
      if (fail) throw new Error('down');
      return loads;
    }, 1000, () => now);
    expect(await Promise.all([value(), value()])).toEqual([1, 1]);
    now = 999;
    expect(await value()).toBe(1);
    now = 1000;
    fail = true;
    await expect(value()).rejects.toThrow('down');
    fail = false;
    expect(await value()).toBe(3);
    expect(loads).toBe(3);
  });
});
