/**
 * Person status (deaths) through its own stream on real nats-server + chDB: stored durably in
 * ClickHouse, malformed lines dead-lettered with their reason, and known again after a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForIdle } from '../pipeline/stream/drain.js';
import { PERSON_STATUS_WRITER } from '../pipeline/stream/topology.js';
import { GOLDEN_CATALOGUE } from './support/paths.js';
import { startTestRuntime } from './support/test-runtime.js';
import { metricSum, parseMetrics } from './support/dashboard.js';

const dir = mkdtempSync(join(tmpdir(), 'yb-persons-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('person status', () => {
  it('stores deaths, dead-letters malformed lines, and reloads them after a restart', async () => {
    const first = await startTestRuntime({ cataloguePath: GOLDEN_CATALOGUE }, {}, dir);
    try {
      const js = jetstream(first.nc);
      const lines = [
        JSON.stringify({ psn_no: 'P-DEAD-1', death_date: '2026-10-01' }),
        JSON.stringify({ psn_no: 'P-DEAD-2', death_date: '2026-10-15' }),
        JSON.stringify({ psn_no: 'P-BAD', death_date: '2026-02-30' }),
        'not json',
        JSON.stringify({ death_date: '2026-10-01' }),
      ];
      for (const l of lines) await js.publish(first.config.stream.personSubject, l);
      await waitForIdle(await jetstreamManager(first.nc), first.config.stream.personStream, PERSON_STATUS_WRITER);
      await first.settle();
      const stored = await first.query<{ psn_no: string; death_date: string }>('SELECT psn_no, toString(death_date) AS death_date FROM person_status FINAL ORDER BY psn_no');
      expect(stored).toEqual([
        { psn_no: 'P-DEAD-1', death_date: '2026-10-01' },
        { psn_no: 'P-DEAD-2', death_date: '2026-10-15' },
      ]);
      const dl = await first.query<{ reason: string }>("SELECT reason FROM v_dead_letters WHERE reason = 'invalid_person_status'");
      expect(dl).toHaveLength(3);
      expect(first.pipeline.status().persons).toBe(2);
      // Counted apart from settlements in the metrics.
      const metrics = parseMetrics(await first.metrics.scrape());
      expect(metrics.get('yb_person_status_rejected_total{reason="invalid_person_status"}')).toBe(3);
      expect(metricSum(metrics, 'yb_settlements_rejected_total')).toBe(0);
    } finally {
      await first.close();
    }
    const second = await startTestRuntime({ cataloguePath: GOLDEN_CATALOGUE }, {}, dir);
    try {
      expect(second.pipeline.status().persons).toBe(2);
      expect(second.pipeline.status().rebuild?.persons).toBe(2);
    } finally {
      await second.close();
    }
  });
});
