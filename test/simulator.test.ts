/**
 * The traffic simulator: deterministic from its seed, valid against the settlement contract and
 * internally consistent, and — judged by the real detection engine — every injected case trips its
 * kind (and the kinds its label says it raises too) while background traffic, scenario setups and
 * near misses trip none of the kinds the simulator injects.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue, type Catalogue } from '../pipeline/catalogue/catalogue.js';
import { ALERT_KINDS, type Alert, type AlertKind } from '../pipeline/contracts/alert.js';
import type { PersonStatus, Settlement } from '../pipeline/contracts/settlement.js';
import { createDetectionEngine } from '../pipeline/detectors/engine.js';
import { createDetectors, memoryDeps } from '../pipeline/detectors/registry.js';
import { localDate, parseCalendarDate } from '../pipeline/time/event-time.js';
import { expectedKinds } from '../scripts/simulator/labels.js';
import { CLEAN_KINDS } from '../scripts/simulator/rules.js';
import { simulate, simulatedDeaths, simulatorKinds, type SimulatedRecord, type SimulatorOptions } from '../scripts/simulator/traffic.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const START = '2026-11-01T08:00:00+08:00';

/** The kinds with detectors that read history, baselines or person status (injected as scenarios or price cases). */
const HISTORY_KINDS: readonly AlertKind[] = [
  'rx.test_frequency', 'rx.deceased', 'rx.inpatient_overlap', 'rx.readmission', 'rx.frequent_visits',
  'price.outlier', 'price.facility_markup', 'reflow.trace_code_reuse', 'reflow.stockpile', 'reflow.pharmacy_hopping',
];

let catalogue: Catalogue;
beforeAll(() => {
  catalogue = loadCatalogue();
});

function options(overrides: Partial<SimulatorOptions> = {}): SimulatorOptions {
  return { seed: 42, settlements: 5000, startTime: START, spanDays: 7, catalogue, ...overrides };
}

function hashOf(records: Iterable<SimulatedRecord>, limit: number): string {
  const h = createHash('sha256');
  let n = 0;
  for (const r of records) {
    if (n++ >= limit) break;
    h.update(JSON.stringify(r));
    h.update('\n');
  }
  return h.digest('hex');
}

const fen = (yuan: number) => Math.round(yuan * 100);

describe('simulator: determinism', () => {
  it('the same seed gives the same records; another seed different ones', () => {
    const a = hashOf(simulate(options({ settlements: 2000 })), 2000);
    const b = hashOf(simulate(options({ settlements: 2000 })), 2000);
    const c = hashOf(simulate(options({ settlements: 2000, seed: 43 })), 2000);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(simulatedDeaths(options())).toEqual(simulatedDeaths(options()));
  });

  it('knows the eight per-settlement kinds and the ten history, price-baseline and reflow kinds; refuses bad options', () => {
    expect(new Set(simulatorKinds())).toEqual(new Set([...CLEAN_KINDS, ...HISTORY_KINDS]));
    expect(() => simulate(options({ spanDays: 0 }))).toThrow(/spanDays/);
    expect(() => simulate(options({ kinds: ['ml.claim_anomaly'] }))).toThrow(/no injector/);
    expect(() => simulatedDeaths(options({ settlements: -1 }))).toThrow(/settlements/);
  });
});

describe('simulator: 5000 settlements', () => {
  let records: SimulatedRecord[];
  beforeAll(() => {
    records = [...simulate(options())];
  });

  it('every settlement validates against the contract schema', () => {
    const schema = JSON.parse(readFileSync(here('../pipeline/contracts/settlement-event.schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const valid = (data: unknown): boolean => validate(data);
    const invalid: string[] = [];
    for (const { settlement } of records) {
      if (!valid(settlement)) invalid.push(`${settlement.setl_id}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(invalid.slice(0, 5)).toEqual([]);
    expect(records).toHaveLength(5000);
  });

  it('is internally consistent: money to the cent, unique lines and ids, real dates, ordered event time but for flagged late uploads', () => {
    const problems: string[] = [];
    const bad = (s: Settlement, what: string) => problems.push(`${s.setl_id}: ${what}`);
    const setlIds = new Set<string>();
    const saleById = new Map<string, Settlement>();
    /** Trace code → the sale holding it, and whether that sale was refunded. */
    const traceCodes = new Map<string, { setlId: string; refunded: boolean }>();
    let lastMs = Number.NEGATIVE_INFINITY;
    let late = 0;
    for (const { settlement: s, label, late: isLate } of records) {
      if (setlIds.has(s.setl_id)) bad(s, 'duplicate setl_id');
      setlIds.add(s.setl_id);
      const ms = Date.parse(s.setl_time);
      if (isLate) {
        late++;
        if (ms >= lastMs) bad(s, 'flagged late but not before the previous records');
        if (s.med_type === '21' || s.setl_type === 'refund') bad(s, 'only outpatient and pharmacy settlements are uploaded late');
      } else if (ms < lastMs) bad(s, 'setl_time goes backwards');
      lastMs = Math.max(lastMs, ms);
      if (!parseCalendarDate(s.brdy) || s.brdy > s.setl_time.slice(0, 10)) bad(s, `brdy ${s.brdy}`);
      let sum = 0;
      const sns = new Set<string>();
      for (const item of s.items) {
        if (fen(item.det_item_fee_sumamt) !== Math.round(item.cnt * item.pric * 100)) bad(s, `${item.feedetl_sn}: fee ≠ cnt × pric`);
        sum += fen(item.det_item_fee_sumamt);
        if (sns.has(item.feedetl_sn)) bad(s, `duplicate feedetl_sn ${item.feedetl_sn}`);
        sns.add(item.feedetl_sn);
        if (item.drug_trac_codg) {
          if (item.drug_trac_codg.length !== item.cnt) bad(s, `${item.feedetl_sn}: ${item.drug_trac_codg.length} trace codes for cnt ${item.cnt}`);
          if (s.setl_type !== 'refund') {
            for (const code of item.drug_trac_codg) {
              const held = traceCodes.get(code);
              const resale = label?.kind === 'reflow.trace_code_reuse' && label.feedetl_sn === item.feedetl_sn;
              if (held && !held.refunded && !resale) bad(s, `trace code ${code} reused unlabelled`);
              if (!held && resale && item.drug_trac_codg.length === 1) bad(s, 'labelled reuse of a fresh code');
              traceCodes.set(code, { setlId: s.setl_id, refunded: false });
            }
          }
        }
      }
      if (sum !== fen(s.medfee_sumamt)) bad(s, 'medfee_sumamt ≠ sum of items');
      if (fen(s.fund_pay_sumamt ?? 0) + fen(s.psn_cash_pay ?? 0) !== fen(s.medfee_sumamt)) bad(s, 'fund + cash ≠ medfee');
      if ((s.fixmedins_type === '2') !== (s.med_type === '41')) bad(s, 'pharmacy purchases are at pharmacies, and only they');
      if (s.med_type === '21') {
        if (!s.begntime || !s.endtime || Date.parse(s.endtime) < Date.parse(s.begntime)) bad(s, 'stay without begntime ≤ endtime');
        if (s.setl_type !== 'refund' && s.endtime !== s.setl_time) bad(s, 'a stay settles at discharge');
      }
      if (s.setl_type === 'refund') {
        const orig = saleById.get(s.orig_setl_id ?? '');
        if (!orig) bad(s, `refund of unknown or later sale ${String(s.orig_setl_id)}`);
        else {
          if (orig.psn_no !== s.psn_no) bad(s, 'refund of another person');
          const key = (x: Settlement) => x.items.map((i) => `${i.med_list_codg}/${i.cnt}/${i.pric}/${(i.drug_trac_codg ?? []).join(',')}`).join(';');
          if (key(orig) !== key(s)) bad(s, 'refund items do not mirror the original');
          for (const item of orig.items) {
            for (const code of item.drug_trac_codg ?? []) {
              const held = traceCodes.get(code);
              if (held?.setlId === orig.setl_id) held.refunded = true;
            }
          }
        }
      } else {
        saleById.set(s.setl_id, s);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(late).toBeGreaterThan(0);
  });

  it('has a realistic mix: every setting, about 1 % refunds, injected cases of every kind', () => {
    const byType = new Map<string, number>();
    const byKind = new Map<string, number>();
    let refunds = 0;
    for (const { settlement: s, label } of records) {
      if (s.setl_type === 'refund') refunds++;
      else byType.set(s.med_type, (byType.get(s.med_type) ?? 0) + 1);
      if (label) byKind.set(label.kind, (byKind.get(label.kind) ?? 0) + 1);
    }
    expect([...byType.keys()].sort()).toEqual(['11', '14', '21', '41']);
    expect(byType.get('11')).toBeGreaterThan(byType.get('21') ?? 0);
    expect(refunds / records.length).toBeGreaterThan(0.005);
    expect(refunds / records.length).toBeLessThan(0.02);
    const injected = [...byKind.values()].reduce((a, b) => a + b, 0);
    expect(injected / records.length).toBeGreaterThan(0.012);
    expect(injected / records.length).toBeLessThan(0.03);
    // price.facility_markup needs the over-charging hospital's 50 priced items first: see the 8000-settlement run.
    for (const kind of simulatorKinds()) if (kind !== 'price.facility_markup') expect(byKind.get(kind) ?? 0, kind).toBeGreaterThan(0);
  });
});

describe('simulator: 8000 settlements through the real detection engine', () => {
  const opts = () => options({ settlements: 8000 });
  let records: SimulatedRecord[];
  let deaths: PersonStatus[];
  let alertsOf: Alert[][];
  beforeAll(() => {
    records = [...simulate(opts())];
    deaths = simulatedDeaths(opts());
    const deps = memoryDeps();
    for (const d of deaths) deps.persons.set(d);
    const engine = createDetectionEngine(createDetectors({}, deps), catalogue);
    const at = new Date('2026-12-01T00:00:00Z');
    alertsOf = records.map((r) => engine.evaluate(r.settlement, 'in', { detectedAt: at }).alerts);
  }, 120_000);

  it('every injected case is found, its `also` kinds fire with it, and nothing fires anywhere else (recall and precision 1 per kind)', () => {
    type Row = { labelled: number; found: number; missed: number; also: number; alerts: number; unexpected: number; precision: string; recall: string };
    const table = new Map<AlertKind, Row>(simulatorKinds().map((k) => [k, { labelled: 0, found: 0, missed: 0, also: 0, alerts: 0, unexpected: 0, precision: '', recall: '' }]));
    const rowOf = (k: AlertKind): Row => {
      let row = table.get(k);
      if (!row) table.set(k, (row = { labelled: 0, found: 0, missed: 0, also: 0, alerts: 0, unexpected: 0, precision: '', recall: '' }));
      return row;
    };
    const misses: string[] = [];
    const unexpected: string[] = [];
    records.forEach(({ settlement, label }, i) => {
      const alerts = alertsOf[i] as Alert[];
      if (label) {
        const row = rowOf(label.kind);
        row.labelled++;
        const hit = alerts.some((a) => a.kind === label.kind && (label.feedetl_sn === undefined || a.feedetl_sn === label.feedetl_sn));
        if (hit) row.found++;
        else {
          row.missed++;
          misses.push(`${settlement.setl_id} ${label.kind} ${label.feedetl_sn ?? ''}: ${label.note}`);
        }
        for (const k of label.also ?? []) {
          rowOf(k).also++;
          if (!alerts.some((a) => a.kind === k)) misses.push(`${settlement.setl_id} ${label.kind} also ${k}: not raised`);
        }
      }
      const expected = new Set<AlertKind>(expectedKinds(label));
      for (const a of alerts) {
        const row = rowOf(a.kind);
        row.alerts++;
        if (expected.has(a.kind)) continue;
        row.unexpected++;
        unexpected.push(`${settlement.setl_id} ${a.kind}${label ? ` (labelled ${label.kind})` : ''}: ${a.message}`);
      }
    });
    for (const row of table.values()) {
      row.precision = row.alerts ? ((row.alerts - row.unexpected) / row.alerts).toFixed(3) : '—';
      row.recall = row.labelled ? (row.found / row.labelled).toFixed(3) : '—';
    }
    console.table(Object.fromEntries(ALERT_KINDS.filter((k) => table.has(k)).map((k) => [k, table.get(k)])));
    expect(misses).toEqual([]);
    expect(unexpected).toEqual([]);
    for (const kind of simulatorKinds()) expect(table.get(kind)?.found ?? 0, kind).toBeGreaterThan(0);
  });

  it('the flagship: a private hospital billing 阿托伐他汀钙片 at 61.41 yuan, a price outlier above its ceiling; the same hospital tips the mark-up alert', () => {
    const flagship = records.filter((r) => r.label?.kind === 'price.outlier' && r.settlement.items.some((i) => i.feedetl_sn === r.label?.feedetl_sn && i.pric === 61.41));
    expect(flagship.length).toBeGreaterThan(0);
    for (const r of flagship) {
      expect(r.label?.also).toContain('price.above_ceiling');
      expect(r.settlement.items.find((i) => i.pric === 61.41)?.med_list_codg).toBe([...catalogue.entries()].find((e) => e.name.startsWith('阿托伐他汀钙片'))?.med_list_codg);
    }
    const markup = records.filter((r) => r.label?.kind === 'price.facility_markup');
    expect(markup.length).toBeGreaterThan(0);
    expect(new Set(markup.map((r) => r.settlement.fixmedins_code))).toEqual(new Set([flagship[0]?.settlement.fixmedins_code]));
    // Once per facility per day.
    const days = markup.map((r) => localDate(Date.parse(r.settlement.setl_time)));
    expect(new Set(days).size).toBe(days.length);
  });

  it('deaths: the deceased cases are dated after a notified death; near misses are settled only up to their day of death', () => {
    const deathOf = new Map(deaths.map((d) => [d.psn_no, d.death_date]));
    const deceased = records.filter((r) => r.label?.kind === 'rx.deceased');
    expect(deceased.length).toBeGreaterThan(0);
    let nearMissSettlements = 0;
    for (const { settlement: s, label } of records) {
      const death = deathOf.get(s.psn_no);
      if (death === undefined || s.setl_type === 'refund') continue;
      const date = localDate(Date.parse(s.setl_time));
      if (label?.kind === 'rx.deceased') expect(date > death, s.setl_id).toBe(true);
      else {
        expect(date <= death, `${s.setl_id} ${date} after ${death}`).toBe(true);
        nearMissSettlements++;
      }
    }
    expect(nearMissSettlements).toBeGreaterThan(0);
  });

  it('near misses of every history kind are present and raise nothing: same-facility overlaps, other-hospital readmissions, refunds before resale and restock', () => {
    const byId = new Map(records.map((r, i) => [r.settlement.setl_id, i]));
    const refunded = new Set(records.filter((r) => r.settlement.setl_type === 'refund').map((r) => r.settlement.orig_setl_id));
    // A trace code sold, refunded and sold again, unlabelled.
    const firstSale = new Map<string, string>();
    let resoldAfterRefund = 0;
    for (const { settlement: s, label } of records) {
      if (s.setl_type === 'refund') continue;
      for (const item of s.items) {
        for (const code of item.drug_trac_codg ?? []) {
          const first = firstSale.get(code);
          if (first && refunded.has(first) && !label) resoldAfterRefund++;
          else firstSale.set(code, s.setl_id);
        }
      }
    }
    expect(resoldAfterRefund).toBeGreaterThan(0);
    // A late-uploaded visit labelled as an overlap: it arrived after the stay it falls in.
    const lateOverlaps = records.filter((r) => r.late && r.label?.kind === 'rx.inpatient_overlap');
    expect(lateOverlaps.length).toBeGreaterThan(0);
    // Stays that fire an overlap on arrival (the visit came first).
    expect(records.some((r) => r.label?.kind === 'rx.inpatient_overlap' && r.settlement.med_type === '21')).toBe(true);
    // Nothing fired on any unlabelled settlement (checked in full above); here: the near misses exist.
    const unlabelledAlerts = records.filter((r, i) => !r.label && (alertsOf[i] as Alert[]).length > 0);
    expect(unlabelledAlerts).toEqual([]);
    expect(byId.size).toBe(records.length);
  });
});

describe('simulate CLI', () => {
  it('streams settlements, labels and person status to files and prints a summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yb-sim-'));
    const out = join(dir, 'sim.ndjson');
    const tsx = here('../node_modules/.bin/tsx');
    const { stderr } = await promisify(execFile)(tsx, [here('../scripts/simulate.ts'), '--out', out, '--settlements', '600', '--injection-rate', '0.05', '--quiet'], {
      cwd: here('..'),
    });
    const settlements = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Settlement);
    const labels = readFileSync(join(dir, 'sim.labels.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { setl_id: string; kind: string; note: string });
    const persons = readFileSync(join(dir, 'sim.persons.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PersonStatus);
    expect(settlements).toHaveLength(600);
    expect(labels.length).toBeGreaterThan(10);
    const ids = new Set(settlements.map((s) => s.setl_id));
    for (const l of labels) {
      expect(ids.has(l.setl_id)).toBe(true);
      expect(simulatorKinds()).toContain(l.kind);
    }
    expect(stderr).toMatch(/settlements\s+600/);
    expect(stderr).toMatch(/persons\.ndjson/);
    // The CLI output is the library's output for the same options.
    const direct = [...simulate(options({ settlements: 600, injectionRate: 0.05 }))].map((r) => r.settlement);
    expect(settlements).toEqual(direct);
    expect(persons).toEqual(simulatedDeaths(options({ settlements: 600, injectionRate: 0.05 })));
    expect(persons.length).toBeGreaterThan(0);
  });
});
