/**
 * Replay through the real pipeline: deterministic (two replays of one file, the same alerts but
 * `detected_at`), and the simulator's injected cases are all found with no alert on its clean
 * background traffic (precision and recall per kind, printed).
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import type { Alert } from '../pipeline/contracts/alert.js';
import { silentLogger } from '../pipeline/logger.js';
import { replayFile, type ReplayResult } from '../pipeline/replay.js';
import { simulate, simulatedDeaths, simulatorKinds, type SimulatorOptions } from '../scripts/simulator/traffic.js';
import { expectedKinds, type InjectionLabel } from '../scripts/simulator/labels.js';

const dir = mkdtempSync(join(tmpdir(), 'yb-replay-test-'));
const input = join(dir, 'settlements.ndjson');
const personsPath = join(dir, 'settlements.persons.ndjson');
const labels = new Map<string, InjectionLabel>();
let first: ReplayResult;
let second: ReplayResult;

beforeAll(async () => {
  const options: SimulatorOptions = { seed: 7, settlements: 6000, startTime: '2026-11-01T08:00:00+08:00', spanDays: 10, catalogue: loadCatalogue(), injectionRate: 0.04 };
  const out = createWriteStream(input);
  for (const r of simulate(options)) {
    out.write(`${JSON.stringify(r.settlement)}\n`);
    if (r.label) labels.set(r.settlement.setl_id, r.label);
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  writeFileSync(personsPath, simulatedDeaths(options).map((p) => `${JSON.stringify(p)}\n`).join(''));
  first = await replayFile({ input, personsPath, logger: silentLogger() });
  second = await replayFile({ input, personsPath, logger: silentLogger() });
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withoutDetectedAt = (alerts: Alert[]): Omit<Alert, 'detected_at'>[] => alerts.map(({ detected_at: _d, ...a }) => a);

describe('replay', () => {
  it('processes every line', () => {
    expect(first.summary.lines).toBe(6000);
    expect(first.summary.accepted).toBe(6000);
    expect(first.summary.rejected).toEqual({});
  });

  it('is deterministic: two replays of one file give the same alerts, ids and fields but detected_at', () => {
    expect(first.alerts.length).toBeGreaterThan(50);
    expect(withoutDetectedAt(second.alerts)).toEqual(withoutDetectedAt(first.alerts));
    expect(second.summary.alertsByKind).toEqual(first.summary.alertsByKind);
  });

  it("finds every injected case and nothing on the simulator's clean background", () => {
    const kinds = simulatorKinds();
    const rows: Record<string, { injected: number; alerts: number; truePositive: number; precision: number; recall: number }> = {};
    for (const kind of kinds) {
      const injected = [...labels.entries()].filter(([, l]) => l.kind === kind);
      const alerts = first.alerts.filter((a) => a.kind === kind);
      const hit = (setl: string, sn?: string): boolean => alerts.some((a) => a.setl_id === setl && (sn === undefined || a.feedetl_sn === sn));
      const truePositive = injected.filter(([setl, l]) => hit(setl, l.feedetl_sn)).length;
      const onLabelled = alerts.filter((a) => expectedKinds(labels.get(a.setl_id)).includes(kind)).length;
      rows[kind] = { injected: injected.length, alerts: alerts.length, truePositive, precision: alerts.length ? onLabelled / alerts.length : 1, recall: injected.length ? truePositive / injected.length : 1 };
    }
    console.table(rows);
    for (const kind of kinds) {
      expect(rows[kind]!.injected, `${kind} has injected cases`).toBeGreaterThan(0);
      expect(rows[kind]!.recall, `${kind} recall`).toBe(1);
      expect(rows[kind]!.precision, `${kind} precision`).toBe(1);
    }
    const onBackground = first.alerts.filter((a) => !expectedKinds(labels.get(a.setl_id)).includes(a.kind) && (kinds as string[]).includes(a.kind));
    expect(onBackground).toEqual([]);
  });
});
