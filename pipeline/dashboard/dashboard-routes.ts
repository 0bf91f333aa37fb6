/**
 * The monitoring center's dashboard on the project's HTTP server: the bundled page (Vite build in
 * `dist/dashboard/`, no outside asset), the JSON API of `api-types.ts`, and the live feed as
 * Server-Sent Events. Reads come from ClickHouse; the feed from the NATS alert feed; reviews are
 * appended to ClickHouse. Request logs are off: URLs carry `psn_no` searches, and personal
 * identifiers never reach a log.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { fastifySSE } from '@fastify/sse';
import fastifyStatic from '@fastify/static';
import { ALERT_KINDS, KIND_NAMES_ZH, PHASES, PHASE_NAMES_ZH, SEVERITIES, SEVERITY_NAMES_ZH } from '../contracts/alert.js';
import type { Logger } from '../logger.js';
import type { AlertReads } from './alert-reads.js';
import { parseAlertFilter } from './alert-filter.js';
import type { FeedBatch, FeedHello, FeedStats, MetaResponse, OverviewResponse } from './api-types.js';
import type { FeedHub } from './feed-hub.js';
import { readOverview, throughputOf } from './overview.js';
import { cached } from './cached.js';
import type { ReviewStore } from './review-store.js';
import type { ThroughputSampler } from './throughput-sampler.js';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Metrics } from '../metrics/metrics.js';
import { parseJsonBody } from '../http/json-body.js';

/** Where `npm run build:web` writes the page. */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

/** Rows the page keeps in its feed table. */
export const FEED_MAX_ROWS = 200;
/** A live-feed connection with more than this waiting in its socket gets no more batches until it drains. */
const FEED_MAX_BUFFERED_BYTES = 1024 * 1024;
const LIST_LIMIT_MAX = 1000;
/** The overview's ClickHouse figures are reused this long (the page polls every 5 s). */
const OVERVIEW_TTL_MS = 2_000;

export interface DashboardDeps {
  readonly clickhouse: ClickHouseClient;
  readonly reads: AlertReads;
  readonly reviews: ReviewStore;
  readonly hub: FeedHub;
  readonly sampler: ThroughputSampler;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** @default DASHBOARD_DIST */
  readonly distDir?: string;
}

export async function registerDashboard(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const log = deps.logger.child({ component: 'dashboard' });
  const dist = deps.distDir ?? DASHBOARD_DIST;
  await app.register(fastifySSE, { heartbeatInterval: 15_000 });

  if (existsSync(`${dist}/index.html`)) {
    await app.register(fastifyStatic, { root: dist, prefix: '/', index: ['index.html'], wildcard: false });
  } else {
    log.warn({ dist }, 'dashboard page not built: run `npm run build:web`');
    app.get('/', async (_req, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send(`监控页面尚未构建 / the dashboard page is not built: run \`npm run build:web\` (expected ${dist}index.html)\n`),
    );
  }

  app.get('/api/meta', async (req): Promise<MetaResponse> => ({
    kinds: ALERT_KINDS.map((kind) => ({ kind, name_zh: KIND_NAMES_ZH[kind] })),
    phases: PHASES.map((phase) => ({ phase, name_zh: PHASE_NAMES_ZH[phase] })),
    severities: SEVERITIES.map((severity) => ({ severity, name_zh: SEVERITY_NAMES_ZH[severity] })),
    regions: await deps.reads.regions(),
    auth: { required: req.authUser !== null, user: req.authUser },
    feed: { maxRows: FEED_MAX_ROWS, maxPerFlush: deps.hub.options.maxPerFlush, flushMs: deps.hub.options.flushMs },
  }));

  app.get('/api/alerts', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const parsed = parseAlertFilter(query);
    if (!parsed.ok) return reply.code(400).send({ error: 'bad filter', problems: parsed.problems });
    const limit = Math.min(LIST_LIMIT_MAX, Math.max(1, Math.floor(Number(query.limit)) || FEED_MAX_ROWS));
    return deps.reads.list(parsed.filter, limit);
  });

  app.get('/api/alerts/:alert_id', async (req, reply) => {
    const { alert_id } = req.params as { alert_id: string };
    const detail = await deps.reads.detail(alert_id);
    if (!detail) return reply.code(404).send({ error: `no alert ${alert_id}`, message_zh: '未找到该告警' });
    return detail;
  });

  app.post('/api/alerts/:alert_id/review', async (req, reply) => {
    const { alert_id } = req.params as { alert_id: string };
    const body = parseJsonBody(req.body);
    if (!body.ok) return reply.code(400).send({ error: 'bad review', problems: [{ field: '', detail: body.detail, message_zh: '请求体不是有效的 JSON' }] });
    const r = await deps.reviews.record(alert_id, body.value, req.authUser);
    if (!r.ok) return reply.code(r.status).send({ error: r.status === 404 ? `no alert ${alert_id}` : 'bad review', problems: r.problems });
    log.info({ alert_id, decision: r.review.decision }, 'review recorded');
    return reply.code(201).send(r.review);
  });

  // One set of ClickHouse queries per period, whatever the number of browsers polling it.
  const overview = cached(async () => readOverview(deps.clickhouse, await deps.reads.newestEventMs()), OVERVIEW_TTL_MS);
  app.get('/api/overview', async (): Promise<OverviewResponse> => ({ ...(await overview()), throughput: throughputOf(deps.sampler.samples()) }));

  app.get('/api/feed', { sse: 'only' }, async (req, reply) => {
    const parsed = parseAlertFilter(req.query as Record<string, unknown>);
    if (!parsed.ok) return reply.code(400).send({ error: 'bad filter', problems: parsed.problems });
    reply.sse.keepAlive();
    /** Bytes waiting in this browser's socket: above the bound, batches are counted, not queued. */
    const backedUp = (): boolean => reply.raw.writableLength > FEED_MAX_BUFFERED_BYTES;
    let skipped = 0;
    const send = (event: 'alerts' | 'stats', data: FeedBatch | FeedStats): void => {
      if (!reply.sse.isConnected) return;
      reply.sse.send({ event, data }).catch(() => undefined);
    };
    const removeClient = deps.hub.add({
      filter: parsed.filter,
      send: (batch) => {
        if (backedUp()) {
          skipped += batch.matched;
          deps.metrics.feedDropped.inc(batch.alerts.length);
          return;
        }
        send('alerts', skipped ? { ...batch, lost: batch.lost + skipped } : batch);
        skipped = 0;
      },
    });
    const removeListener = deps.sampler.onSample((s) => {
      if (!backedUp()) send('stats', s);
    });
    deps.metrics.dashboardClients.inc();
    // Registered before the first write, which may never finish on a dead socket.
    reply.sse.onClose(() => {
      removeClient();
      removeListener();
      deps.metrics.dashboardClients.dec();
    });
    // Nothing reaches the browser before the first event: say hello at once. The browser is
    // registered with the hub before it, so the list it loads on hello misses nothing.
    const hello: FeedHello = { server_time: new Date().toISOString(), filter: parsed.filter };
    await reply.sse.send({ event: 'hello', data: hello });
  });
}
