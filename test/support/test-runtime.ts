/**
 * A real pipeline for integration tests: its own nats-server on a random port, its own chDB data
 * directory, unique per test file. Waits are on the consumer's ack floor, never fixed sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { resolveConfig, type ConfigInput } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/logger.js';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../pipeline/runtime.js';
import { waitForConsumer, waitForIdle } from '../../pipeline/stream/drain.js';
import { createSettlementPublisher, type PublishStats } from '../../pipeline/stream/settlement-publisher.js';
import { DEAD_LETTER_WRITER } from '../../pipeline/stream/topology.js';
import { alertFromRow } from '../../pipeline/sinks/rows.js';
import type { Alert } from '../../pipeline/contracts/alert.js';

export interface TestRuntime extends Runtime {
  readonly dataDir: string;
  /** Publishes raw NDJSON lines the way replay does; resolves when the stream acknowledged all. */
  publish(lines: readonly string[]): Promise<PublishStats>;
  /** Waits until the detector worker and the dead-letter writer have processed everything stored. */
  settle(): Promise<void>;
  query<T>(sql: string): Promise<T[]>;
  /** Alerts as ops see them (`v_alerts`), as contract records, sorted by alert_id. */
  alerts(): Promise<Alert[]>;
  /** Stops everything and removes the data directory. */
  dispose(): Promise<void>;
}

export async function startTestRuntime(input: ConfigInput = {}, options: Partial<RuntimeOptions> = {}, dataDir?: string): Promise<TestRuntime> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'yb-test-'));
  const config = resolveConfig({ ...input, dataDir: dir, consumer: { batchWaitMs: 5, ...input.consumer }, http: { port: 0, ...input.http } });
  const runtime = await startRuntime(config, { logger: createLogger({ level: process.env.YB_TEST_LOG ?? 'silent' }), ...options });
  const js = jetstream(runtime.nc);
  return {
    ...runtime,
    dataDir: dir,
    async publish(lines) {
      const publisher = createSettlementPublisher(js, config.stream);
      for (const line of lines) await publisher.publishLine(line);
      return publisher.flush();
    },
    async settle() {
      const jsm = await jetstreamManager(runtime.nc);
      await waitForIdle(jsm, config.stream.name, config.consumer.durable, { timeoutMs: 60_000 });
      await waitForIdle(jsm, config.stream.deadLetterStream, DEAD_LETTER_WRITER, { timeoutMs: 60_000 });
    },
    async query<T>(sql: string) {
      const rs = await runtime.clickhouse.query({ query: sql, format: 'JSONEachRow' });
      return rs.json<T>();
    },
    async alerts() {
      const rs = await runtime.clickhouse.query({ query: 'SELECT * FROM v_alerts ORDER BY alert_id', format: 'JSONEachRow' });
      return (await rs.json<Record<string, unknown>>()).map(alertFromRow);
    },
    async dispose() {
      await runtime.close();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { waitForConsumer };
