/**
 * At-least-once with idempotent writes, on real nats-server + chDB: a settlement published twice,
 * a batch written but never acked (a crash between the sinks and the ack), and a consumer restart
 * in the middle of a stream all leave exactly one row per alert in the views ops use.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import { settlementSubject } from '../pipeline/stream/partition.js';
import { startEmbeddedNats } from '../pipeline/infra/embedded-nats.js';
import type { ClickHouseSink } from '../pipeline/sinks/clickhouse-sink.js';
import { GOLDEN_CATALOGUE, GOLDEN_DIR } from './support/paths.js';
import { startTestRuntime, type TestRuntime } from './support/test-runtime.js';
import type { Settlement } from '../pipeline/contracts/settlement.js';

const lines = ['rx.gender_restricted/sex-restricted', 'rx.duplicate_charge/conflicts', 'price.above_ceiling/tolerance']
  .flatMap((c) => readFileSync(join(GOLDEN_DIR, `${c}.events.ndjson`), 'utf8').split('\n').filter(Boolean));

// chDB holds one data directory per process: each runtime is disposed before the next starts.
const dirs: string[] = [];
let current: TestRuntime | undefined;
let stopServer: (() => Promise<void>) | undefined;
async function use(start: () => Promise<TestRuntime>): Promise<TestRuntime> {
  await current?.dispose();
  current = await start();
  return current;
}
afterAll(async () => {
  await current?.dispose();
  await stopServer?.();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function counts(rt: TestRuntime): Promise<{ raw: number; final: number; view: number; settlements: number }> {
  const [row] = await rt.query<{ raw: string; final: string; view: string; settlements: string }>(
    'SELECT (SELECT count() FROM alerts) AS raw, (SELECT count() FROM alerts FINAL) AS final, (SELECT count() FROM v_alerts) AS view, (SELECT count() FROM settlements FINAL) AS settlements',
  );
  return { raw: Number(row!.raw), final: Number(row!.final), view: Number(row!.view), settlements: Number(row!.settlements) };
}

describe('redelivery', () => {
  it('stores a re-published setl_id once, and a copy that slips past the duplicate window yields no second alert row', async () => {
    const rt = await use(() => startTestRuntime({ cataloguePath: GOLDEN_CATALOGUE }));
    const first = await rt.publish(lines);
    const again = await rt.publish(lines);
    expect(again.duplicates).toBe(lines.length);
    await rt.settle();
    const once = await counts(rt);
    expect(once.view).toBeGreaterThan(0);
    expect(once.raw).toBe(once.view);

    // Past the duplicate window (no Nats-Msg-Id): the stream stores the copies and the pipeline processes them again.
    const js = jetstream(rt.nc);
    for (const line of lines) {
      const s = JSON.parse(line) as Settlement;
      await js.publish(settlementSubject(rt.config.stream.subjectPrefix, s.admdvs, s.psn_no, rt.config.stream.partitions), line);
    }
    await rt.settle();
    const twice = await counts(rt);
    expect(twice.raw).toBe(2 * once.raw); // the redelivered findings were really written again…
    expect(twice.final).toBe(once.view); // …and ops still see one row per alert
    expect(twice.view).toBe(once.view);
    expect(twice.settlements).toBe(once.settlements);
    expect(first.published).toBe(lines.length);
  });

  it('a batch written but not acked (crash between sinks and ack) is redelivered without a second visible row', async () => {
    let failures = 1;
    const crashAfterWrite = (sink: ClickHouseSink): ClickHouseSink => ({
      async write(batch) {
        await sink.write(batch);
        if (batch.settlements?.length && failures-- > 0) throw new Error('simulated crash after the insert, before the ack');
      },
    });
    const rt = await use(() => startTestRuntime({ cataloguePath: GOLDEN_CATALOGUE, consumer: { nakBackoffMs: [10] } }, { wrapSink: crashAfterWrite }));
    await rt.publish(lines);
    await rt.settle();
    const c = await counts(rt);
    expect(rt.pipeline.status().sinkFailures).toBe(1);
    expect(rt.pipeline.status().retried).toBeGreaterThan(0);
    expect(c.raw).toBeGreaterThan(c.view); // the first write really landed twice
    expect(c.final).toBe(c.view);
    const ids = await rt.query<{ n: string }>('SELECT count() AS n FROM (SELECT alert_id FROM v_alerts GROUP BY alert_id HAVING count() > 1)');
    expect(Number(ids[0]!.n)).toBe(0);
  });

  it('a consumer restarted in the middle of the stream resumes where it was, with one row per alert', async () => {
    // Reference: an uninterrupted run.
    const ref = await use(() => startTestRuntime({ cataloguePath: GOLDEN_CATALOGUE }));
    await ref.publish(lines);
    await ref.settle();
    const expected = (await ref.alerts()).map(({ detected_at: _d, ...a }) => a);
    expect(expected.length).toBeGreaterThan(0);
    await ref.dispose();
    current = undefined;

    // Run 1 stops right after its first committed batch, with most of the stream still unprocessed.
    // The NATS server keeps running across the worker restart, as in production.
    const dir = mkdtempSync(join(tmpdir(), 'yb-restart-'));
    dirs.push(dir);
    const server = await startEmbeddedNats({ storeDir: join(dir, 'server') });
    stopServer = () => server.stop();
    const cfg = { natsUrl: server.url, cataloguePath: GOLDEN_CATALOGUE, consumer: { batchSize: 3 } };
    let stopped: Promise<void> | undefined;
    let firstBatch!: () => void;
    const firstBatchDone = new Promise<void>((resolve) => (firstBatch = resolve));
    const run1: TestRuntime = await startTestRuntime(cfg, {
      startPipeline: false,
      onBatch: () => {
        stopped ??= run1.pipeline.stop();
        firstBatch();
      },
    }, dir);
    await run1.publish(lines);
    await run1.pipeline.start();
    await firstBatchDone;
    await stopped;
    const partial = run1.pipeline.status().accepted;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(lines.length);
    await run1.close();

    // Run 2 on the same data directory (same JetStream store, same chDB, same durable consumer).
    const run2 = await use(() => startTestRuntime(cfg, {}, dir));
    await run2.settle();
    expect(run2.pipeline.status().accepted).toBeLessThanOrEqual(lines.length - partial + 6);
    const got = (await run2.alerts()).map(({ detected_at: _d, ...x }) => x);
    expect(got).toEqual(expected);
    const cnt = await counts(run2);
    expect(cnt.view).toBe(expected.length);
    expect(cnt.settlements).toBe(lines.length);
  });

  it('a sink that keeps failing naks with backoff, then dead-letters each message past maxDeliver, payload kept', async () => {
    let attempts = 0;
    const alwaysFailing = (sink: ClickHouseSink): ClickHouseSink => ({
      async write(batch) {
        // Settlement batches fail; the dead-letter writer's batches (no settlements) go through.
        if (batch.settlements?.length) {
          attempts += 1;
          throw new Error('ClickHouse unavailable (simulated)');
        }
        await sink.write(batch);
      },
    });
    const rt = await use(() => startTestRuntime({ cataloguePath: GOLDEN_CATALOGUE, consumer: { maxDeliver: 3, nakBackoffMs: [10, 20] } }, { wrapSink: alwaysFailing }));
    const few = lines.slice(0, 5);
    await rt.publish(few);
    await rt.settle();
    const dl = await rt.query<{ reason: string; delivery_count: number; payload: string }>('SELECT reason, delivery_count, payload FROM v_dead_letters ORDER BY stream_seq');
    expect(dl).toHaveLength(few.length);
    for (const [i, row] of dl.entries()) {
      expect(row.reason).toBe('processing_failed');
      expect(Number(row.delivery_count)).toBe(3);
      expect(row.payload).toBe(few[i]);
    }
    expect(attempts).toBeGreaterThanOrEqual(3);
    const settled = await rt.query<{ n: string }>('SELECT count() AS n FROM settlements');
    expect(Number(settled[0]!.n)).toBe(0);
    expect(rt.pipeline.status().sinkFailures).toBe(attempts);
  });
});
