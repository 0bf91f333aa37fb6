/**
 * The project's one HTTP server (fastify): the dashboard and its API, `GET /metrics` for
 * Prometheus, `POST /precheck` for hospital systems, `GET /healthz`. Bound to loopback unless a
 * credential is configured (`http.credential`), which then guards every route; the request guards
 * (`request-guards.ts`) refuse rebinding and cross-site writes either way. Request logging is
 * off — URLs and bodies carry personal identifiers; errors are logged without them.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { LOOPBACK_HOSTS, type HttpConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Precheck } from '../precheck/precheck.js';
import { registerPrecheckRoutes } from '../precheck/precheck-routes.js';
import { registerDashboard, type DashboardDeps } from '../dashboard/dashboard-routes.js';
import { installBasicAuth } from './basic-auth.js';
import { installRequestGuards } from './request-guards.js';
import { ConfigError, EnvironmentError } from '../errors.js';

export interface HttpServerDeps {
  readonly precheck: Precheck;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Serve the dashboard (needs the running pipeline's feed and sampler). */
  readonly dashboard?: DashboardDeps;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  close(): Promise<void>;
}

const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

export async function startHttpServer(config: Readonly<HttpConfig>, deps: HttpServerDeps): Promise<HttpServer> {
  const log = deps.logger.child({ component: 'http' });
  // Validated with the configuration already; checked again here, where the socket is opened.
  if (!config.credential && !LOOPBACK_HOSTS.includes(config.host)) {
    throw new ConfigError('YB_CONFIG_INVALID', `http.host: binding to ${config.host} (not loopback) requires http.credential (env YB_HTTP_CREDENTIAL=user:password)`);
  }
  // forceCloseConnections: live-feed streams never go idle, and close() must not wait for browsers.
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, forceCloseConnections: true });
  installBasicAuth(app, config.credential);
  installRequestGuards(app, !config.credential);
  // Bodies are parsed by the routes, so a body that is not JSON gets the route's own problem list.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) log.error({ err: { name: err.name, message: err.message }, route: req.routeOptions.url }, 'request failed');
    return reply.code(status).send({ error: err.message, message_zh: status >= 500 ? '服务器内部错误，请稍后重试' : '请求无效' });
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.scrape()));
  registerPrecheckRoutes(app, deps.precheck);
  if (deps.dashboard) await registerDashboard(app, deps.dashboard);
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (cause) {
    await app.close().catch(() => undefined);
    const inUse = (cause as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new EnvironmentError(
      'YB_HTTP_LISTEN_FAILED',
      inUse
        ? `端口已被占用 / ${config.host}:${config.port} is already in use (another yibao-sentinel or demo?): stop it, or choose another port with YB_HTTP_PORT (demo: --port)`
        : `HTTP 服务无法启动 / cannot listen on ${config.host}:${config.port}: ${(cause as Error).message}`,
      { cause },
    );
  }
  return { app, url: address, close: () => app.close() };
}
