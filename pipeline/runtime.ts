/**
 * Composition for entry points: the embedded or configured NATS, ClickHouse with migrations, the
 * catalogue, and the pipeline, closed in reverse order. Used by `pipeline/main.ts`, replay, the
 * demo, the benchmark and the integration tests, so they all run the same path.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ensureTopology } from './stream/topology.js';
import type { ClickHouseClient } from '@clickhouse/client';
import { loadCatalogue, type Catalogue } from './catalogue/catalogue.js';
import type { SentinelConfig } from './config.js';
import { natsStoreDir, startEmbeddedNats, type EmbeddedNats } from './infra/embedded-nats.js';
import { openClickHouse } from './infra/clickhouse.js';
import { applyMigrations } from './infra/migrations.js';
import type { Logger } from './logger.js';
import { createPipeline, type Pipeline, type PipelineDeps } from './pipeline.js';
import { createClickHouseSink, type ClickHouseSink } from './sinks/clickhouse-sink.js';
import { startPrecheckService } from './precheck/precheck-service.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { serveDashboard } from './dashboard/serve-dashboard.js';

export interface Runtime {
  readonly config: Readonly<SentinelConfig>;
  readonly nc: NatsConnection;
  readonly natsUrl: string;
  /** The embedded server, when this process started one. */
  readonly embeddedNats: EmbeddedNats | undefined;
  readonly clickhouse: ClickHouseClient;
  readonly clickhouseDescription: string;
  readonly catalogue: Catalogue;
  readonly pipeline: Pipeline;
  /** Base URL of the HTTP server (dashboard, `/metrics`, `POST /precheck`), when started. */
  readonly httpUrl: string | undefined;
  readonly metrics: Metrics;
  /** Stops the pipeline, then closes ClickHouse, NATS and the embedded server. */
  close(): Promise<void>;
}

export interface RuntimeOptions extends Pick<PipelineDeps, 'clock' | 'onBatch' | 'onDeadLetters'> {
  /** Wraps the ClickHouse sink (tests: a deliberately failing sink). */
  readonly wrapSink?: (sink: ClickHouseSink) => ClickHouseSink;
  readonly logger: Logger;
  /** Start consuming right away. @default true */
  readonly startPipeline?: boolean;
  /** Serve NATS HTTP monitoring from the embedded server. @default false */
  readonly natsMonitoring?: boolean;
  /** Serve HTTP on `config.http`: the dashboard, `/metrics`, `POST /precheck`. @default false */
  readonly http?: boolean;
}

export async function startRuntime(config: Readonly<SentinelConfig>, options: RuntimeOptions): Promise<Runtime> {
  const log = options.logger.child({ component: 'runtime' });
  const catalogue = loadCatalogue(config.cataloguePath);
  const metrics = createMetrics();
  const closers: Array<() => Promise<unknown>> = [];
  let closing: Promise<void> | undefined;
  /** Closes in reverse order of opening; idempotent. */
  const closeAll = (): Promise<void> =>
    (closing ??= (async () => {
      for (const close of [...closers].reverse()) {
        try {
          await close();
        } catch (err) {
          log.warn({ err }, 'error while closing');
        }
      }
    })());
  try {
    let embeddedNats: EmbeddedNats | undefined;
    let natsUrl = config.natsUrl;
    if (!natsUrl) {
      embeddedNats = await startEmbeddedNats({ storeDir: natsStoreDir(config.dataDir), binary: config.natsServerBinary, monitoring: options.natsMonitoring ?? false });
      closers.push(() => embeddedNats!.stop());
      natsUrl = embeddedNats.url;
      log.info({ url: natsUrl, monitor: embeddedNats.monitorUrl }, 'embedded nats-server started');
    }
    // noAsyncTraces: no stack-capturing error object per request (measured ≈ 10 % of CPU when publishing).
    const nc = await connect({ servers: natsUrl.split(','), name: 'yibao-sentinel', maxReconnectAttempts: -1, noAsyncTraces: true });
    closers.push(() => nc.drain());
    // The topology exists as soon as the runtime is up, so publishers can publish before the worker consumes.
    await ensureTopology(await jetstreamManager(nc), config.stream, config.consumer);
    const ch = openClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir });
    closers.push(() => ch.client.close());
    const applied = await applyMigrations(ch.client);
    log.info({ clickhouse: ch.description, applied: applied.map((m) => m.name) }, 'clickhouse ready');
    const pipeline = createPipeline(config, {
      nc,
      clickhouse: ch.client,
      catalogue,
      logger: options.logger,
      metrics,
      ...(options.wrapSink ? { sink: options.wrapSink(createClickHouseSink(ch.client, metrics)) } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
      ...(options.onDeadLetters ? { onDeadLetters: options.onDeadLetters } : {}),
    });
    closers.push(() => pipeline.stop());
    let httpUrl: string | undefined;
    if (options.startPipeline ?? true) {
      await pipeline.start();
      const service = await startPrecheckService(nc, pipeline.precheck, options.logger.child({ component: 'precheck' }));
      closers.push(() => service.stop());
      if (options.http) {
        const http = await serveDashboard(config.http, { nc, clickhouse: ch.client, catalogue, pipeline, metrics, logger: options.logger });
        closers.push(() => http.close());
        httpUrl = http.url;
        log.info({ url: httpUrl, auth: config.http.credential ? 'basic' : 'none (loopback)' }, 'http listening: dashboard, /metrics, POST /precheck');
      }
    }
    return {
      httpUrl,
      metrics,
      config,
      nc,
      natsUrl,
      embeddedNats,
      clickhouse: ch.client,
      clickhouseDescription: ch.description,
      catalogue,
      pipeline,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
