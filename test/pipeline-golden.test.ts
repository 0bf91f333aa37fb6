/**
 * Every golden case through the real pipeline (nats-server, JetStream, chDB), each on fresh state
 * as the pure runner does: the alerts ops read from `v_alerts` and the alerts published on
 * `yb.alert.in.<kind>` both equal the expected files. Person status goes through its own stream.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../pipeline/contracts/alert.js';
import type { PersonStatus, Settlement } from '../pipeline/contracts/settlement.js';
import { waitForIdle } from '../pipeline/stream/drain.js';
import { PERSON_STATUS_WRITER } from '../pipeline/stream/topology.js';
import { goldenCatalogueEntries, listGoldenCases, readNdjson, type GoldenAlert } from './golden/update-goldens.js';
import { startTestRuntime } from './support/test-runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'yb-golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Same instant, same record: ClickHouse prints times in its own format. */
function comparable(a: GoldenAlert & { detected_at?: string }): Record<string, unknown> {
  const { detected_at: _d, ...rest } = a;
  return { ...rest, event_time: Date.parse(a.event_time) };
}

const byId = (a: { alert_id: string }, b: { alert_id: string }): number => (a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0);

describe('golden cases through NATS and ClickHouse', () => {
  const cases = listGoldenCases();
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(8));

  it.each(cases.map((c) => [`${c.kind}/${c.name}`, c] as const))('%s', async (name, c) => {
    const cataloguePath = join(dir, `${name.replace(/\W+/g, '_')}.catalogue.json`);
    writeFileSync(cataloguePath, JSON.stringify(goldenCatalogueEntries(c.cataloguePath ? [c.cataloguePath] : [])));
    const rt = await startTestRuntime({ cataloguePath, consumer: { batchSize: 16 } });
    try {
      const feed: Alert[] = [];
      const subjects: string[] = [];
      const sub = rt.nc.subscribe('yb.alert.>', {
        callback: (_e, m) => {
          feed.push(m.json<Alert>());
          subjects.push(m.subject);
        },
      });
      const persons = c.personsPath ? readNdjson<PersonStatus>(c.personsPath) : [];
      if (persons.length) {
        const js = jetstream(rt.nc);
        for (const p of persons) await js.publish(rt.config.stream.personSubject, JSON.stringify(p));
        await waitForIdle(await jetstreamManager(rt.nc), rt.config.stream.personStream, PERSON_STATUS_WRITER);
      }
      const events = readNdjson<Settlement>(c.eventsPath);
      await rt.publish(events.map((e) => JSON.stringify(e)));
      await rt.settle();
      await rt.nc.flush();
      sub.unsubscribe();
      const expected = readNdjson<GoldenAlert>(c.alertsPath).sort(byId);
      expect((await rt.alerts()).map(comparable)).toEqual(expected.map(comparable));
      expect(feed.map((a) => a.alert_id).sort()).toEqual(expected.map((a) => a.alert_id).sort());
      feed.forEach((a, i) => expect(subjects[i]).toBe(`yb.alert.in.${a.kind}`));
    } finally {
      await rt.dispose();
    }
  });
});
