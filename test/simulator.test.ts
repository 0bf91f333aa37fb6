/**
 * The traffic simulator: deterministic from its seed, valid against the settlement contract and
 * internally consistent, and — judged by the real detection engine — every injected case trips its
 * kind while background traffic trips none of the kinds the simulator keeps clean.
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
import type { Alert, AlertKind } from '../pipeline/contracts/alert.js';
import type { Settlement } from '../pipeline/contracts/settlement.js';
import { createDetectionEngine } from '../pipeline/detectors/engine.js';
import { createDetectors } from '../pipeline/detectors/registry.js';
import { parseCalendarDate } from '../pipeline/time/event-time.js';
import { CLEAN_KINDS } from '../scripts/simulator/rules.js';
import { simulate, simulatorKinds, type SimulatedRecord, type SimulatorOptions } from '../scripts/simulator/traffic.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const START = '2026-11-01T08:00:00+08:00';

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
  });

  it('knows the eight per-settlement kinds and refuses bad options', () => {
    expect(new Set(simulatorKinds())).toEqual(new Set(CLEAN_KINDS));
    expect(() => simulate(options({ spanDays: 0 }))).toThrow(/spanDays/);
    expect(() => simulate(options({ kinds: ['rx.deceased'] }))).toThrow(/no injector/);
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

  it('is internally consistent: money to the cent, unique lines and ids, real dates, ordered event time', () => {
    const problems: string[] = [];
    const bad = (s: Settlement, what: string) => problems.push(`${s.setl_id}: ${what}`);
    const setlIds = new Set<string>();
    const saleById = new Map<string, Settlement>();
    const traceCodes = new Set<string>();
    let lastMs = Number.NEGATIVE_INFINITY;
    for (const { settlement: s } of records) {
      if (setlIds.has(s.setl_id)) bad(s, 'duplicate setl_id');
      setlIds.add(s.setl_id);
      const ms = Date.parse(s.setl_time);
      if (ms < lastMs) bad(s, 'setl_time goes backwards');
      lastMs = ms;
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
              if (traceCodes.has(code)) bad(s, `trace code ${code} reused`);
              traceCodes.add(code);
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
        }
      } else {
        saleById.set(s.setl_id, s);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
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
    for (const kind of simulatorKinds()) expect(byKind.get(kind) ?? 0, kind).toBeGreaterThan(0);
  });

  it('through the real detection engine: every injected case is found, background raises none of the eight kinds', () => {
    const engine = createDetectionEngine(createDetectors(), catalogue);
    const clean = new Set<string>(CLEAN_KINDS);
    const at = new Date('2026-12-01T00:00:00Z');
    type Row = { labelled: number; found: number; missed: number; falseAlerts: number; precision: string; recall: string };
    const table = new Map<AlertKind, Row>(simulatorKinds().map((k) => [k, { labelled: 0, found: 0, missed: 0, falseAlerts: 0, precision: '', recall: '' }]));
    const misses: string[] = [];
    const falseAlerts: string[] = [];
    for (const { settlement, label } of records) {
      const { alerts } = engine.evaluate(settlement, 'in', { detectedAt: at });
      const hit = (a: Alert) => label !== undefined && a.kind === label.kind && (label.feedetl_sn === undefined || a.feedetl_sn === label.feedetl_sn);
      if (label) {
        const row = table.get(label.kind);
        if (!row) throw new Error(`label of unknown kind ${label.kind}`);
        row.labelled++;
        if (alerts.some(hit)) row.found++;
        else {
          row.missed++;
          misses.push(`${settlement.setl_id} ${label.kind} ${label.feedetl_sn ?? ''}: ${label.note}`);
        }
      }
      for (const a of alerts) {
        if (!clean.has(a.kind) || (label && a.kind === label.kind)) continue;
        const row = table.get(a.kind);
        if (row) row.falseAlerts++;
        falseAlerts.push(`${settlement.setl_id} ${a.kind}${label ? ` (labelled ${label.kind})` : ''}: ${a.message}`);
      }
    }
    for (const row of table.values()) {
      row.precision = row.found + row.falseAlerts ? (row.found / (row.found + row.falseAlerts)).toFixed(3) : '—';
      row.recall = row.labelled ? (row.found / row.labelled).toFixed(3) : '—';
    }
    console.table(Object.fromEntries(table));
    expect(misses).toEqual([]);
    expect(falseAlerts).toEqual([]);
  });
});

describe('simulate CLI', () => {
  it('streams settlements and labels to files and prints a summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yb-sim-'));
    const out = join(dir, 'sim.ndjson');
    const tsx = here('../node_modules/.bin/tsx');
    const { stderr } = await promisify(execFile)(tsx, [here('../scripts/simulate.ts'), '--out', out, '--settlements', '600', '--injection-rate', '0.05', '--quiet'], {
      cwd: here('..'),
    });
    const settlements = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Settlement);
    const labels = readFileSync(join(dir, 'sim.labels.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { setl_id: string; kind: string; note: string });
    expect(settlements).toHaveLength(600);
    expect(labels.length).toBeGreaterThan(10);
    const ids = new Set(settlements.map((s) => s.setl_id));
    for (const l of labels) {
      expect(ids.has(l.setl_id)).toBe(true);
      expect(simulatorKinds()).toContain(l.kind);
    }
    expect(stderr).toMatch(/settlements\s+600/);
    // The CLI output is the library's output for the same options.
    const direct = [...simulate(options({ settlements: 600, injectionRate: 0.05 }))].map((r) => r.settlement);
    expect(settlements).toEqual(direct);
  });
});
