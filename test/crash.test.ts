/**
 * Crash test: a simulated file replayed while the worker process is killed with SIGKILL several
 * times at random points and restarted. The NATS server keeps running (as in production); the
 * worker's chDB directory survives the kills. The alert set must equal an uninterrupted replay's,
 * with no duplicate rows in the views ops use and no settlement missing from ClickHouse.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import { resolveConfig } from '../pipeline/config.js';
import type { Alert } from '../pipeline/contracts/alert.js';
import { startEmbeddedNats, type EmbeddedNats } from '../pipeline/infra/embedded-nats.js';
import { openClickHouse } from '../pipeline/infra/clickhouse.js';
import { silentLogger } from '../pipeline/logger.js';
import { replayFile } from '../pipeline/replay.js';
import { alertFromRow } from '../pipeline/sinks/rows.js';
import { waitForConsumer } from '../pipeline/stream/drain.js';
import { createSettlementPublisher } from '../pipeline/stream/settlement-publisher.js';
import { ensureTopology } from '../pipeline/stream/topology.js';
import { createRandom } from '../scripts/simulator/random.js';
import { simulate } from '../scripts/simulator/traffic.js';
import { REPO_ROOT } from './support/paths.js';

const SETTLEMENTS = 10_000;
const KILLS = 3;
const dir = mkdtempSync(join(tmpdir(), 'yb-crash-'));
const input = join(dir, 'settlements.ndjson');
let server: EmbeddedNats | undefined;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  const out = createWriteStream(input);
  for (const r of simulate({ seed: 11, settlements: SETTLEMENTS, startTime: '2026-11-01T08:00:00+08:00', spanDays: 3, catalogue: loadCatalogue(), injectionRate: 0.03 })) {
    out.write(`${JSON.stringify(r.settlement)}\n`);
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}, 60_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
  await server?.stop();
  if (!process.env.YB_KEEP_CRASH_DIR) rmSync(dir, { recursive: true, force: true });
  else console.log(`crash test files kept in ${dir}`);
});

const strip = (alerts: Alert[]): Omit<Alert, 'detected_at'>[] =>
  alerts.map(({ detected_at: _d, ...a }) => ({ ...a, event_time: new Date(Date.parse(a.event_time)).toISOString() })).sort((a, b) => (a.alert_id < b.alert_id ? -1 : 1));

describe('worker killed with SIGKILL mid-stream', () => {
  it('ends with the alerts of an uninterrupted run, no duplicate rows, no settlement missing', async () => {
    const reference = await replayFile({ input, logger: silentLogger() });
    expect(reference.alerts.length).toBeGreaterThan(100);

    server = await startEmbeddedNats({ storeDir: join(dir, 'nats') });
    const configFile = join(dir, 'worker.json');
    // A short ack_wait, so messages in flight at a kill come back quickly.
    writeFileSync(configFile, JSON.stringify({ consumer: { batchSize: 100, ackWaitMs: 3000, maxAckPending: 2000 } }));
    const config = resolveConfig({ natsUrl: server.url, dataDir: join(dir, 'worker'), consumer: { batchSize: 100, ackWaitMs: 3000, maxAckPending: 2000 } });
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    await ensureTopology(jsm, config.stream, config.consumer);
    const publisher = createSettlementPublisher(jetstream(nc), config.stream);
    for (const line of readFileSync(input, 'utf8').split('\n').filter(Boolean)) await publisher.publishLine(line);
    const pub = await publisher.flush();

    const log = createWriteStream(join(dir, 'worker.log'));
    const startWorker = (): ChildProcess => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'pipeline/main.ts'), '--config', configFile], {
        cwd: REPO_ROOT,
        env: { ...process.env, NATS_URL: server!.url, YB_DATA_DIR: join(dir, 'worker'), YB_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
      return child;
    };
    const exited = (child: ChildProcess): Promise<void> => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    /** Highest stream sequence delivered to a worker so far. */
    // A restarting worker may be recreating the consumer (resume in stream order): retry until it is back.
    const delivered = async (): Promise<number> => {
      for (;;) {
        try {
          return (await jsm.consumers.info(config.stream.name, config.consumer.durable)).delivered.stream_seq;
        } catch (e) {
          if (!/consumer not found/i.test(String((e as Error).message))) throw e;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    };

    const random = createRandom(5);
    const progress: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      worker = startWorker();
      // Kill once the worker is pulling new messages, at a random point after that.
      const before = await delivered();
      for (;;) {
        if ((await delivered()) > before) break;
        if (worker.exitCode !== null) throw new Error(`worker exited on its own (see ${join(dir, 'worker.log')})`);
        await new Promise((r) => setTimeout(r, 25));
      }
      await new Promise((r) => setTimeout(r, Math.floor(random.next() * 150)));
      worker.kill('SIGKILL');
      await exited(worker);
      progress.push(await delivered());
    }
    expect(progress.at(-1)!).toBeLessThan(pub.lastSeq); // every kill landed mid-stream

    worker = startWorker();
    await waitForConsumer(jsm, config.stream.name, config.consumer.durable, pub.lastSeq, { timeoutMs: 120_000 });
    worker.kill('SIGTERM');
    await exited(worker);
    await nc.drain();

    const ch = openClickHouse({ dataDir: join(dir, 'worker') });
    try {
      const rows = await (await ch.client.query({ query: "SELECT * FROM v_alerts WHERE phase = 'in'", format: 'JSONEachRow' })).json<Record<string, unknown>>();
      const got = rows.map(alertFromRow);
      expect(new Set(got.map((a) => a.alert_id)).size).toBe(got.length); // no duplicate rows in the view
      expect(strip(got)).toEqual(strip(reference.alerts));
      const [count] = await (await ch.client.query({ query: 'SELECT count() AS n, uniqExact(setl_id) AS u FROM settlements FINAL', format: 'JSONEachRow' })).json<{ n: string; u: string }>();
      expect(Number(count!.n)).toBe(SETTLEMENTS);
      expect(Number(count!.u)).toBe(SETTLEMENTS);
      console.log(`kills after delivering ${progress.join(', ')} of ${pub.lastSeq}; ${got.length} alerts equal to the uninterrupted run`);
    } finally {
      await ch.client.close();
    }
  }, 300_000);
});
