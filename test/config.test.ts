import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../pipeline/config.js';
import { ConfigError, EnvironmentError } from '../pipeline/errors.js';
import { startEmbeddedNats } from '../pipeline/infra/embedded-nats.js';

describe('configuration', () => {
  it('has working defaults and freezes the result', () => {
    const c = resolveConfig({});
    expect(c.stream.subjectPrefix).toBe('yb.setl');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.consumer)).toBe(true);
  });

  it('reports every problem at once', () => {
    let caught: unknown;
    try {
      resolveConfig({
        stream: { partitions: 0, subjectPrefix: 'bad prefix' },
        consumer: { batchSize: -1, maxDeliver: 1 },
        logLevel: 'loud',
        clickhouseUrl: 'not a url',
        rules: { 'rx.nope': {}, 'rx.high_amount': { outpatientYuan: 'many' } } as never,
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    for (const p of ['stream.partitions', 'stream.subjectPrefix', 'consumer.batchSize', 'consumer.maxDeliver', 'logLevel', 'clickhouseUrl', 'rules.rx.nope', 'rules.rx.high_amount.outpatientYuan']) {
      expect(problems).toContain(p);
    }
  });
});

describe('HTTP access', () => {
  it('binds to loopback by default, without a credential', () => {
    expect(resolveConfig().http).toMatchObject({ host: '127.0.0.1', credential: undefined });
  });

  it('refuses another address unless a credential is configured', () => {
    expect(() => resolveConfig({ http: { host: '0.0.0.0' } })).toThrow(/requires http\.credential/);
    expect(resolveConfig({ http: { host: '0.0.0.0', credential: 'monitor:a-long-enough-secret' } }).http.host).toBe('0.0.0.0');
  });

  it('refuses a credential without a user or with a short password', () => {
    expect(() => resolveConfig({ http: { credential: 'no-colon-here-at-all' } })).toThrow(/user:password/);
    expect(() => resolveConfig({ http: { credential: 'monitor:short' } })).toThrow(/at least 12/);
  });

  it('reads host, port and credential from the environment', async () => {
    const { configFromEnv } = await import('../pipeline/entry-support.js');
    expect(configFromEnv({ YB_HTTP_HOST: '0.0.0.0', YB_HTTP_PORT: '9000', YB_HTTP_CREDENTIAL: 'm:0123456789ab' }).http).toEqual({ host: '0.0.0.0', port: 9000, credential: 'm:0123456789ab' });
  });
});

describe('embedded nats-server', () => {
  it('says how to install nats-server when the binary is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yb-nats-'));
    try {
      await expect(startEmbeddedNats({ storeDir: dir, binary: 'nats-server-that-does-not-exist' })).rejects.toSatisfy(
        (e: unknown) => e instanceof EnvironmentError && e.code === 'YB_NATS_SERVER_MISSING' && /apt-get install -y nats-server/.test(e.message) && /NATS_URL/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts on a free loopback port with JetStream and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yb-nats-'));
    try {
      const server = await startEmbeddedNats({ storeDir: dir, monitoring: true });
      expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      const jsz = (await (await fetch(`${server.monitorUrl}/jsz`)).json()) as { config?: { store_dir?: string } };
      expect(jsz.config?.store_dir).toContain(dir);
      await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HTTP server', () => {
  it('says which port is taken and how to choose another', async () => {
    const { startHttpServer } = await import('../pipeline/http/http-server.js');
    const { createMetrics } = await import('../pipeline/metrics/metrics.js');
    const { silentLogger } = await import('../pipeline/logger.js');
    const deps = { precheck: { check: async () => ({ ok: false as const, problems: [] }) }, metrics: createMetrics({ defaultMetrics: false }), logger: silentLogger() };
    const first = await startHttpServer({ host: '127.0.0.1', port: 0, credential: undefined }, deps);
    try {
      const port = Number(new URL(first.url).port);
      await expect(startHttpServer({ host: '127.0.0.1', port, credential: undefined }, deps)).rejects.toSatisfy(
        (e: unknown) => e instanceof EnvironmentError && e.code === 'YB_HTTP_LISTEN_FAILED' && /already in use/.test(e.message) && /YB_HTTP_PORT/.test(e.message),
      );
    } finally {
      await first.close();
    }
  });
});
