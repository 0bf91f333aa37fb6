/**
 * The reflow kinds beyond their golden files: trace codes in either arrival order, through the
 * shared store after a prefetch, the ordering rule against refunds, idempotent recording; and, for
 * stockpile and hopping, that eviction keeps state bounded without changing any result.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { createCatalogue } from '../pipeline/catalogue/catalogue.js';
import type { CatalogueEntry } from '../pipeline/catalogue/catalogue-entry.js';
import type { Settlement, SettlementItem } from '../pipeline/contracts/settlement.js';
import type { Detector, DetectorContext, DetectorDeps, Finding } from '../pipeline/detectors/detector.js';
import { createDetectionEngine } from '../pipeline/detectors/engine.js';
import { reflowPharmacyHopping } from '../pipeline/detectors/reflow-pharmacy-hopping.js';
import { reflowStockpile } from '../pipeline/detectors/reflow-stockpile.js';
import { reflowTraceCodeReuse } from '../pipeline/detectors/reflow-trace-code-reuse.js';
import { memoryDeps } from '../pipeline/detectors/registry.js';
import { deriveFacts } from '../pipeline/detectors/settlement-facts.js';
import { createTraceCodeStore, type TraceCodeRow, type TraceCodeStore } from '../pipeline/state/trace-code-store.js';
import { DAY_MS } from '../pipeline/time/event-time.js';

const ATO10: CatalogueEntry = { med_list_codg: 'XC10AAA139A001010101001', name: '阿托伐他汀钙片（10mg）', list_type: '101', group: 'C10AA05' };
const ATO20: CatalogueEntry = { med_list_codg: 'XC10AAA139A001020101002', name: '阿托伐他汀钙片（20mg）', list_type: '101', group: 'C10AA05' };
const INS: CatalogueEntry = { med_list_codg: 'XA10AEG056B002010101001', name: '甘精胰岛素注射液', list_type: '101', group: 'A10AE04', reflow_risk: true };
const catalogue = createCatalogue([ATO10, ATO20, INS]);

/** 2026-01-01T00:00 local (+08:00) plus `days`. */
const BASE_MS = Date.parse('2026-01-01T00:00:00+08:00');
function at(days: number): string {
  return `${new Date(BASE_MS + days * DAY_MS + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

interface Line {
  code?: string;
  cnt?: number;
  pric?: number;
  prd?: number;
  trace?: string[];
}

function sale(id: string, days: number, lines: Line[], over: Partial<Settlement> = {}): Settlement {
  const items = lines.map((l, i): SettlementItem => {
    const cnt = l.cnt ?? l.trace?.length ?? 1;
    const pric = l.pric ?? 10;
    return {
      feedetl_sn: String(i + 1),
      med_list_codg: l.code ?? ATO10.med_list_codg,
      list_type: '101',
      cnt,
      pric,
      det_item_fee_sumamt: Math.round(cnt * pric * 100) / 100,
      ...(l.prd === undefined ? {} : { prd_days: l.prd }),
      ...(l.trace === undefined ? {} : { drug_trac_codg: l.trace }),
    };
  });
  return {
    setl_id: id,
    mdtrt_id: `M-${id}`,
    psn_no: 'PSN-1',
    gend: '1',
    brdy: '1960-01-01',
    admdvs: '320102',
    fixmedins_code: 'P1',
    fixmedins_type: '2',
    med_type: '41',
    setl_time: at(days),
    medfee_sumamt: items.reduce((s, i) => s + i.det_item_fee_sumamt, 0),
    items,
    ...over,
  };
}

function refundOf(id: string, orig: Settlement, days: number): Settlement {
  return { ...orig, setl_id: id, setl_type: 'refund', orig_setl_id: orig.setl_id, setl_time: at(days) };
}

const code = (n: number): string => `8${String(n).padStart(19, '0')}`;

function ctxOf(settlement: Settlement, seq: number, extra: Partial<DetectorContext> = {}): DetectorContext {
  return { settlement, facts: deriveFacts(settlement, catalogue), catalogue, phase: 'in', seq, rebuilding: false, ...extra };
}

function depsWith(traceCodes: TraceCodeStore): DetectorDeps {
  return { ...memoryDeps(), traceCodes };
}

/** A ClickHouse client that answers the trace-code prefetch with fixed rows, and records the codes asked. */
function stubClickHouse(rows: TraceCodeRow[]): { client: ClickHouseClient; asked: string[][] } {
  const asked: string[][] = [];
  const client = {
    async query({ query_params }: { query_params: { codes: string[] } }) {
      asked.push(query_params.codes);
      return { json: async () => rows.filter((r) => query_params.codes.includes(r.code)) };
    },
  } as unknown as ClickHouseClient;
  return { client, asked };
}

describe('reflow.trace_code_reuse', () => {
  const reuseOnly = () => createDetectionEngine([reflowTraceCodeReuse.create(reflowTraceCodeReuse.defaults, memoryDeps())], catalogue);

  it('fires on whichever settlement of the pair arrives second', () => {
    const earlier = sale('S-EARLY', 10, [{ trace: [code(1)] }], { fixmedins_code: 'P1', psn_no: 'PSN-A' });
    const later = sale('S-LATE', 20, [{ trace: [code(1)] }], { fixmedins_code: 'P2', psn_no: 'PSN-B' });

    const inOrder = reuseOnly();
    expect(inOrder.evaluate(earlier, 'in').alerts).toEqual([]);
    const [hit] = inOrder.evaluate(later, 'in').alerts;
    expect(hit).toMatchObject({ setl_id: 'S-LATE', severity: 'high', feedetl_sn: '1', amount_at_risk: 10 });
    expect(hit?.message).toContain('已于 2026-01-11 在 P1 结算（结算 S-EARLY）');

    const reversed = reuseOnly();
    expect(reversed.evaluate(later, 'in').alerts).toEqual([]);
    const [late] = reversed.evaluate(earlier, 'in').alerts;
    expect(late).toMatchObject({ setl_id: 'S-EARLY', evidence: { reuses: [{ code: code(1), earlier: [{ setl_id: 'S-LATE', fixmedins_code: 'P2', same_person: false }] }] } });
    expect(late?.message).toContain('晚于本次但先到达');
  });

  it('a refunded code resold is no reuse; the refund counts only for checks after it in the stream', () => {
    const store = createTraceCodeStore();
    const detector = reflowTraceCodeReuse.create(reflowTraceCodeReuse.defaults, depsWith(store));
    const first = sale('S-1', 1, [{ trace: [code(2), code(3)] }]);
    detector.record!(ctxOf(first, 5));
    detector.record!(ctxOf(refundOf('S-1-R', first, 2), 10));
    const resale = sale('S-2', 3, [{ trace: [code(2)] }], { fixmedins_code: 'P9' });
    expect(detector.check(ctxOf(resale, 11))).toEqual([]);
    // A redelivered settlement that came before the refund in the stream still sees the use.
    expect(detector.check(ctxOf(resale, 8))).toHaveLength(1);
  });

  it('checks against uses loaded from ClickHouse by prefetch, refunds included', async () => {
    const rows: TraceCodeRow[] = [
      { code: code(4), setl_id: 'S-OLD', seq: 17, feedetl_sn: '2', fixmedins_code: 'P44', psn_no: 'PSN-X', admdvs: '320102', setl_time: '2025-03-04 10:00:00.000', refunded_seq: 0 },
      { code: code(5), setl_id: 'S-OLD', seq: 17, feedetl_sn: '2', fixmedins_code: 'P44', psn_no: 'PSN-X', admdvs: '320102', setl_time: '2025-03-04 10:00:00.000', refunded_seq: 30 },
    ];
    const { client, asked } = stubClickHouse(rows);
    const store = createTraceCodeStore(client);
    const detector = reflowTraceCodeReuse.create(reflowTraceCodeReuse.defaults, depsWith(store));
    const now = sale('S-NOW', 40, [{ trace: [code(4), code(5), code(6)], pric: 30 }]);
    const unrelatedRefund = refundOf('S-R', sale('S-Q', 39, [{ trace: [code(7)] }]), 40);
    await detector.prepare!([now, unrelatedRefund]);
    expect(asked.flat().sort()).toEqual([code(4), code(5), code(6), code(7)]);
    const [finding] = detector.check(ctxOf(now, 100));
    expect(finding).toMatchObject({
      key: '1',
      score: 1,
      amountAtRisk: 30, // one of three packages reused
      evidence: { codes_on_line: 3, reused_codes: 1, reuses: [{ code: code(4), earlier: [{ setl_id: 'S-OLD', setl_time: '2025-03-04T10:00:00+08:00', same_person: false }] }] },
    });
    expect(finding?.message).toContain('已于 2025-03-04 在 P44 结算（结算 S-OLD）');
  });

  it('records idempotently, refunds once, and records nothing while rebuilding', () => {
    const store = createTraceCodeStore();
    const detector = reflowTraceCodeReuse.create(reflowTraceCodeReuse.defaults, depsWith(store));
    const s = sale('S-1', 1, [{ trace: [code(8), code(9)] }]);
    detector.record!(ctxOf(s, 1));
    detector.record!(ctxOf(s, 1));
    expect(store.takePending()).toHaveLength(2);
    expect(store.uses(code(8))).toHaveLength(1);
    const r = refundOf('S-1-R', s, 2);
    detector.record!(ctxOf(r, 2));
    detector.record!(ctxOf(r, 2));
    expect(store.takePending().map((row) => row.refunded_seq)).toEqual([2, 2]);
    detector.record!(ctxOf(sale('S-2', 3, [{ trace: [code(10)] }]), 3, { rebuilding: true }));
    expect(store.uses(code(10))).toEqual([]);
  });

  it('a code twice in one settlement fires on its second line; a draft sees everything and records nothing', () => {
    const engine = reuseOnly();
    const twice = sale('S-TWICE', 1, [{ trace: [code(11)] }, { trace: [code(12), code(11)] }]);
    const alerts = engine.evaluate(twice, 'in').alerts;
    expect(alerts.map((a) => [a.feedetl_sn, a.amount_at_risk, a.evidence])).toEqual([
      ['2', 10, expect.objectContaining({ reused_packages: 1, reuses: [expect.objectContaining({ code: code(11), same_settlement_line: '1' })] })],
    ]);
    // A draft sees every recorded use (seq +∞) and, never recorded, leaves no use behind.
    expect(engine.evaluate(sale('D-1', 2, [{ trace: [code(12)] }]), 'pre').alerts.map((a) => a.phase)).toEqual(['pre']);
    expect(engine.evaluate(sale('D-2', 2, [{ trace: [code(13)] }]), 'pre').alerts).toEqual([]);
    expect(engine.evaluate(sale('S-3', 3, [{ trace: [code(13)] }]), 'in').alerts).toEqual([]);
  });
});

describe('reflow.stockpile', () => {
  it('counts neither the lines of the same settlement against each other nor a refunded purchase', () => {
    const engine = createDetectionEngine([reflowStockpile.create(reflowStockpile.defaults, memoryDeps())], catalogue);
    expect(engine.evaluate(sale('S-1', 0, [{ prd: 60 }, { code: ATO20.med_list_codg, prd: 60 }]), 'in').alerts).toEqual([]);
    // 120 days bought on day 0: on day 80 the person holds 40 days.
    const big = sale('S-2', 80, [{ prd: 30 }]);
    expect(engine.evaluate(big, 'in').alerts.map((a) => a.evidence['held_days'])).toEqual([40]);
    engine.evaluate(refundOf('S-1-R', sale('S-1', 0, [{ prd: 60 }, { code: ATO20.med_list_codg, prd: 60 }]), 81), 'in');
    // Without S-1 only S-2 is held: 30 days bought on day 80, 29 left on day 81.
    expect(engine.evaluate(sale('S-3', 81, [{ prd: 30 }]), 'in').alerts).toEqual([]);
  });

  it('a reflow_risk drug fires high, scored by held / limit, with the excess share of the fee', () => {
    const engine = createDetectionEngine([reflowStockpile.create(reflowStockpile.defaults, memoryDeps())], catalogue);
    engine.evaluate(sale('S-1', 0, [{ code: INS.med_list_codg, prd: 90 }]), 'in');
    const [alert] = engine.evaluate(sale('S-2', 30, [{ code: INS.med_list_codg, prd: 90, cnt: 3, pric: 100 }]), 'in').alerts;
    expect(alert).toMatchObject({ severity: 'high', score: 2, amount_at_risk: 100, evidence: { held_days: 60, excess_days: 30 } });
  });
});

/** A seeded stream of purchases and refunds over two years, arriving up to 6 days out of event-time order. */
function purchaseStream(seed: number, persons: number): Settlement[] {
  let state = seed >>> 0;
  const rand = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const events: { arrival: number; s: Settlement }[] = [];
  const codes = [ATO10.med_list_codg, ATO20.med_list_codg, INS.med_list_codg];
  let n = 0;
  for (let p = 0; p < persons; p += 1) {
    let day = rand() * 30;
    while (day < 730) {
      const s = sale(`E-${(n += 1)}`, day, [{ code: codes[Math.floor(rand() * 3)]!, prd: 7 + Math.floor(rand() * 54) }], {
        psn_no: `PSN-${p}`,
        fixmedins_code: `P${Math.floor(rand() * 5)}`,
      });
      events.push({ arrival: day + rand() * 6, s });
      if (rand() < 0.1) {
        const later = day + rand() * 20;
        events.push({ arrival: later + rand() * 6, s: refundOf(`R-${n}`, s, later) });
      }
      day += 1 + rand() * 50;
    }
  }
  return events.sort((a, b) => a.arrival - b.arrival).map((e) => e.s);
}

/** Runs two instances of a detector over a stream, one evicting after every record, and compares. */
function runWithAndWithoutEviction(make: () => Detector, events: readonly Settlement[]) {
  const evicting = make();
  const keeping = make();
  let watermark = Number.NEGATIVE_INFINITY;
  let peak = 0;
  const differences: string[] = [];
  events.forEach((s, i) => {
    const ctx = ctxOf(s, i + 1);
    if (s.setl_type !== 'refund') {
      const a: Finding[] = evicting.check(ctx);
      const b: Finding[] = keeping.check(ctx);
      if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(s.setl_id);
    }
    evicting.record!(ctx);
    keeping.record!(ctx);
    watermark = Math.max(watermark, ctx.facts.eventMs);
    evicting.evict!(watermark);
    peak = Math.max(peak, evicting.stateSize!().entries);
  });
  return { differences, peak, evicted: evicting.stateSize!(), kept: keeping.stateSize!(), watermark };
}

describe('eviction', () => {
  const events = purchaseStream(42, 300);
  const sales = events.filter((s) => s.setl_type !== 'refund');

  it('stockpile: evicting never changes a finding, and keeps only chains still running', () => {
    const options = { ...reflowStockpile.defaults, horizonDays: 3650 }; // no hard cut: eviction must be exact
    const run = runWithAndWithoutEviction(() => reflowStockpile.create(options, memoryDeps()), events);
    expect(run.differences).toEqual([]);
    expect(run.kept.entries).toBe(sales.length);
    expect(run.peak).toBeLessThan(sales.length / 3);
    expect(run.evicted.entries).toBeLessThan(run.kept.entries / 3);
  });

  it('stockpile: an unbroken chain is cut at the horizon', () => {
    const detector = reflowStockpile.create(reflowStockpile.defaults, memoryDeps());
    let watermark = 0;
    for (let i = 0; i < 60; i += 1) {
      const ctx = ctxOf(sale(`C-${i}`, i * 28, [{ prd: 30 }]), i + 1);
      detector.record!(ctx);
      watermark = ctx.facts.eventMs;
      detector.evict!(watermark);
    }
    expect(detector.stateSize!().entries).toBeLessThanOrEqual(Math.ceil(365 / 28) + 1);
    expect(detector.lookbackMs).toBe((365 + 7) * DAY_MS);
  });

  it('pharmacy hopping: evicting never changes a finding, and keeps only the window and lateness', () => {
    const run = runWithAndWithoutEviction(() => reflowPharmacyHopping.create(reflowPharmacyHopping.defaults, memoryDeps()), events);
    expect(run.differences).toEqual([]);
    const lookback = reflowPharmacyHopping.create(reflowPharmacyHopping.defaults, memoryDeps()).lookbackMs!;
    expect(lookback).toBe(37 * DAY_MS);
    const recent = sales.filter((s) => Date.parse(s.setl_time) >= run.watermark - lookback).length;
    expect(run.evicted.entries).toBeLessThanOrEqual(recent);
    expect(run.peak).toBeLessThan(sales.length / 5);
  });

  it('the stream exercises both kinds', () => {
    const deps = memoryDeps();
    const engine = createDetectionEngine([reflowStockpile.create(reflowStockpile.defaults, deps), reflowPharmacyHopping.create(reflowPharmacyHopping.defaults, deps)], catalogue);
    const kinds = new Set(events.flatMap((s) => engine.evaluate(s, 'in').alerts.map((a) => a.kind)));
    expect(kinds).toEqual(new Set(['reflow.stockpile', 'reflow.pharmacy_hopping']));
  });
});
