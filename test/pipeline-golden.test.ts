/**
 * Every golden case through the real pipeline (nats-server, JetStream, chDB): the alerts ops read
 * from `v_alerts` and the alerts published on `yb.alert.in.<kind>` both equal the expected files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../pipeline/contracts/alert.js';
import { GOLDEN_CATALOGUE, GOLDEN_DIR } from './support/paths.js';
import { startTestRuntime, type TestRuntime } from './support/test-runtime.js';

interface Case { name: string; events: string[]; expected: Omit<Alert, 'detected_at'>[] }

const cases: Case[] = readdirSync(GOLDEN_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(join(GOLDEN_DIR, d.name))
      .filter((f) => f.endsWith('.events.ndjson'))
      .map((f) => {
        const base = join(GOLDEN_DIR, d.name, f.replace('.events.ndjson', ''));
        const read = (p: string): string[] => readFileSync(p, 'utf8').split('\n').filter(Boolean);
        return { name: `${d.name}/${f}`, events: read(`${base}.events.ndjson`), expected: read(`${base}.alerts.ndjson`).map((l) => JSON.parse(l) as Omit<Alert, 'detected_at'>) };
      }),
  );

/** Same instant, same record: ClickHouse prints times in its own format. */
function comparable(a: Omit<Alert, 'detected_at'> & { detected_at?: string }): Record<string, unknown> {
  const { detected_at: _d, ...rest } = a;
  return { ...rest, event_time: Date.parse(a.event_time) };
}

let rt: TestRuntime;
let sub: Subscription;
const feed: Array<{ subject: string; alert: Alert }> = [];

beforeAll(async () => {
  rt = await startTestRuntime({ cataloguePath: GOLDEN_CATALOGUE, consumer: { batchSize: 16 } });
  sub = rt.nc.subscribe('yb.alert.>', {
    callback: (_e, m) => {
      feed.push({ subject: m.subject, alert: m.json<Alert>() });
    },
  });
  await rt.publish(cases.flatMap((c) => c.events));
  await rt.settle();
  await rt.nc.flush();
});
afterAll(async () => {
  sub?.unsubscribe();
  await rt?.dispose();
});

describe('golden cases through NATS and ClickHouse', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(8));

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const ids = c.events.map((l) => (JSON.parse(l) as { setl_id: string }).setl_id);
    const stored = (await rt.alerts()).filter((a) => ids.includes(a.setl_id));
    expect(stored.map(comparable)).toEqual([...c.expected].sort((a, b) => (a.alert_id < b.alert_id ? -1 : 1)).map(comparable));
    const live = feed.filter((f) => ids.includes(f.alert.setl_id));
    expect(live.map((f) => f.alert.alert_id).sort()).toEqual(c.expected.map((a) => a.alert_id).sort());
    for (const f of live) expect(f.subject).toBe(`yb.alert.in.${f.alert.kind}`);
  });
});
