/**
 * Wires the dashboard to a running pipeline: the live-feed hub on the NATS alert feed, the
 * once-a-second throughput sampler, the ClickHouse reads and review store, and the HTTP server
 * that serves them with `/metrics` and `POST /precheck`. `close()` stops them in reverse order.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { HttpConfig } from '../config.js';
import { startHttpServer } from '../http/http-server.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Pipeline } from '../pipeline.js';
import { createAlertReads } from './alert-reads.js';
import { startFeedHub } from './feed-hub.js';
import { createReviewStore } from './review-store.js';
import { startThroughputSampler } from './throughput-sampler.js';

export interface DashboardParts {
  readonly nc: NatsConnection;
  readonly clickhouse: ClickHouseClient;
  readonly catalogue: Catalogue;
  readonly pipeline: Pipeline;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export async function serveDashboard(config: Readonly<HttpConfig>, parts: DashboardParts): Promise<{ url: string; close(): Promise<void> }> {
  const { pipeline, metrics, logger } = parts;
  const hub = startFeedHub(parts.nc, logger.child({ component: 'feed-hub' }), {}, {
    dropped: (n) => metrics.feedDropped.inc(n),
    overflowed: (n) => metrics.feedOverflowed.inc(n),
  });
  const sampler = startThroughputSampler({
    settlements: () => pipeline.status().accepted,
    alerts: () => Object.values(pipeline.status().alertsByKind).reduce((s, n) => s + (n ?? 0), 0),
    deadLetters: () => pipeline.status().deadLettersStored,
    lag: async () => (await pipeline.consumerLag())[0]?.pending ?? 0,
  });
  try {
    const http = await startHttpServer(config, {
      precheck: pipeline.precheck,
      metrics,
      logger,
      dashboard: {
        clickhouse: parts.clickhouse,
        reads: createAlertReads(parts.clickhouse, parts.catalogue),
        reviews: createReviewStore(parts.clickhouse),
        hub,
        sampler,
        metrics,
        logger,
      },
    });
    return {
      url: http.url,
      async close() {
        await http.close();
        sampler.stop();
        await hub.close();
      },
    };
  } catch (err) {
    sampler.stop();
    await hub.close();
    throw err;
  }
}
