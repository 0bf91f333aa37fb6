/**
 * Rebuild at the engine level, fast and exhaustive: an engine that "crashes" after K settlements
 * (with M more written to ClickHouse but not acked) and is rebuilt from the stored rows must raise,
 * for every later settlement, exactly the alerts of an engine that never stopped. The rows go
 * through the same row mapping as ClickHouse (`settlementRow`/`itemRows` → `settlementFromStored`).
 */
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import type { Alert } from '../pipeline/contracts/alert.js';
import type { Settlement } from '../pipeline/contracts/settlement.js';
import { createDetectionEngine } from '../pipeline/detectors/engine.js';
import { createDetectors, memoryDeps } from '../pipeline/detectors/registry.js';
import { itemRows, settlementFromStored, settlementRow, type StoredSettlementRow } from '../pipeline/sinks/rows.js';
import { simulate } from '../scripts/simulator/traffic.js';

const catalogue = loadCatalogue();
const records = [...simulate({ seed: 3, settlements: 4000, startTime: '2026-11-01T08:00:00+08:00', spanDays: 4, catalogue, injectionRate: 0.04 })];
const settlements = records.map((r) => r.settlement);

/** A settlement as ClickHouse gives it back (times in ClickHouse's text form). */
function stored(s: Settlement, seq: number): Settlement {
  const row = settlementRow(s, seq, 0);
  const chTime = (iso: string): string => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().replace('T', ' ').replace('Z', '');
  const items = itemRows(s).map((i) => [i.feedetl_sn, i.med_list_codg, i.list_type, i.cnt, i.pric, i.det_item_fee_sumamt, i.prd_days, i.bilg_dr_codg, i.drug_trac_codg] as StoredSettlementRow['items'][number]);
  return settlementFromStored({
    ...row,
    setl_time: chTime(row.setl_time),
    begntime: row.begntime ? chTime(row.begntime) : null,
    endtime: row.endtime ? chTime(row.endtime) : null,
    items,
  }).settlement;
}

function engineWith(deps = memoryDeps()) {
  return { deps, engine: createDetectionEngine(createDetectors({}, deps), catalogue) };
}

const strip = (alerts: Alert[]): Omit<Alert, 'detected_at'>[] => alerts.map(({ detected_at: _d, ...a }) => a);

describe('rebuild from stored history', () => {
  const reference = engineWith();
  const expected = settlements.map((s, i) => strip(reference.engine.evaluate(s, 'in', { seq: i + 1 }).alerts));

  it.each([
    [1000, 0],
    [2000, 37],
    [3500, 120],
  ])('after %i settlements (+%i written, not acked): the same alerts as an uninterrupted run', (k, unacked) => {
    // The shared trace-code store outlives the crash (it is ClickHouse): replay what it held.
    const { deps, engine } = engineWith();
    const before = engineWith(deps);
    for (let i = 0; i < k + unacked; i++) before.engine.evaluate(settlements[i]!, 'in', { seq: i + 1 });
    const rebuilt = createDetectionEngine(createDetectors({}, { persons: deps.persons, traceCodes: deps.traceCodes }), catalogue);
    void engine;
    for (let i = 0; i < k + unacked; i++) rebuilt.rebuild(stored(settlements[i]!, i + 1), i + 1);
    const mismatches: string[] = [];
    for (let i = k; i < settlements.length; i++) {
      const got = strip(rebuilt.evaluate(settlements[i]!, 'in', { seq: i + 1 }).alerts);
      if (JSON.stringify(got) !== JSON.stringify(expected[i])) mismatches.push(`#${i + 1} ${settlements[i]!.setl_id}: got ${got.map((a) => a.kind).join(',') || '-'} want ${expected[i]!.map((a) => a.kind).join(',') || '-'}`);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});

describe('rebuild reads only what each kind looks back on', () => {
  // A year and a half of history: longer than the longest lookback (stockpile, 372 days), so the
  // rebuild reads a window, and most kinds take only the last weeks of it.
  const long = [...simulate({ seed: 5, settlements: 6000, startTime: '2025-06-01T08:00:00+08:00', spanDays: 540, catalogue, injectionRate: 0.04 })].map((r) => r.settlement);
  const reference = engineWith();
  const expected = long.map((s, i) => strip(reference.engine.evaluate(s, 'in', { seq: i + 1 }).alerts));

  it.each([[4500], [5600]])('after %i settlements: the same alerts as an uninterrupted run', (k) => {
    const { deps } = engineWith();
    const before = engineWith(deps);
    for (let i = 0; i < k; i++) before.engine.evaluate(long[i]!, 'in', { seq: i + 1 });
    const rebuilt = createDetectionEngine(createDetectors({}, { persons: deps.persons, traceCodes: deps.traceCodes }), catalogue);
    // As rebuildState reads it: the newest event time, the window of the longest lookback, stream order.
    const latestMs = Math.max(...long.slice(0, k).map((s) => Date.parse(s.setl_time)));
    let read = 0;
    for (let i = 0; i < k; i++) {
      if (Date.parse(long[i]!.setl_time) < latestMs - rebuilt.lookbackMs) continue;
      rebuilt.rebuild(stored(long[i]!, i + 1), i + 1, latestMs);
      read += 1;
    }
    expect(read).toBeLessThan(k);
    const mismatches: string[] = [];
    for (let i = k; i < long.length; i++) {
      const got = strip(rebuilt.evaluate(long[i]!, 'in', { seq: i + 1 }).alerts);
      if (JSON.stringify(got) !== JSON.stringify(expected[i])) mismatches.push(`#${i + 1} ${long[i]!.setl_id}: got ${got.map((a) => a.kind).join(',') || '-'} want ${expected[i]!.map((a) => a.kind).join(',') || '-'}`);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});
