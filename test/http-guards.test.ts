/**
 * The HTTP server's guards besides the credential: a loopback-only server answers loopback host
 * names only (DNS rebinding), a browser's cross-site POST is refused (CSRF), a POST body must be
 * declared JSON, and the loopback rule holds where the socket is opened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../pipeline/http/http-server.js';
import { hostName } from '../pipeline/http/request-guards.js';
import { createMetrics } from '../pipeline/metrics/metrics.js';
import { silentLogger } from '../pipeline/logger.js';
import { ConfigError } from '../pipeline/errors.js';

const deps = {
  // A draft is refused with no problem listed: the route answers 400 when a request gets through.
  precheck: { check: async () => ({ ok: false as const, problems: [] }) },
  metrics: createMetrics({ defaultMetrics: false }),
  logger: silentLogger(),
};
const CREDENTIAL = 'monitor:correct-horse-battery';
const basic = `Basic ${Buffer.from(CREDENTIAL).toString('base64')}`;

let open: HttpServer;
let guarded: HttpServer;
beforeAll(async () => {
  open = await startHttpServer({ host: '127.0.0.1', port: 0, credential: undefined }, deps);
  guarded = await startHttpServer({ host: '127.0.0.1', port: 0, credential: CREDENTIAL }, deps);
});
afterAll(async () => {
  await open?.close();
  await guarded?.close();
});

const draft = JSON.stringify({ psn_no: 'P' });

describe('without a credential (loopback only)', () => {
  it('answers loopback host names and refuses any other Host (DNS rebinding)', async () => {
    for (const host of ['127.0.0.1:8787', 'localhost:8787', 'LOCALHOST', '[::1]:8787']) {
      expect((await open.app.inject({ url: '/healthz', headers: { host } })).statusCode, host).toBe(200);
    }
    for (const host of ['evil.example:8787', 'evil.example', '127.0.0.1.nip.io:8787']) {
      const r = await open.app.inject({ url: '/healthz', headers: { host } });
      expect(r.statusCode, host).toBe(403);
      expect(r.json().message_zh).toMatch(/本机/);
    }
  });

  it('refuses a browser POST from another site, by Sec-Fetch-Site or by Origin', async () => {
    const base = { method: 'POST' as const, url: '/precheck', payload: draft };
    const json = { host: '127.0.0.1:8787', 'content-type': 'application/json' };
    for (const extra of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://evil.example' }, { origin: 'null' }, { origin: 'http://127.0.0.1:9999' }]) {
      const r = await open.app.inject({ ...base, headers: { ...json, ...extra } });
      expect(r.statusCode, JSON.stringify(extra)).toBe(403);
      expect(r.json().message_zh).toBe('拒绝跨站请求');
    }
    // The page itself, and programs that send neither header, get through to the route.
    expect((await open.app.inject({ ...base, headers: { ...json, origin: 'http://127.0.0.1:8787', 'sec-fetch-site': 'same-origin' } })).statusCode).toBe(400);
    expect((await open.app.inject({ ...base, headers: json })).statusCode).toBe(400);
  });

  it('refuses a POST body not declared as JSON (what a plain HTML form can send)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await open.app.inject({ method: 'POST', url: '/precheck', payload: draft, headers: { host: '127.0.0.1', 'content-type': type } });
      expect(r.statusCode, type).toBe(415);
    }
    expect((await open.app.inject({ method: 'POST', url: '/precheck', payload: draft, headers: { host: '127.0.0.1', 'content-type': 'application/json; charset=utf-8' } })).statusCode).toBe(400);
  });
});

describe('with a credential', () => {
  it('answers any Host once authenticated, and still refuses cross-site writes', async () => {
    expect((await guarded.app.inject({ url: '/healthz', headers: { host: 'sentinel.example:8787' } })).statusCode).toBe(401);
    expect((await guarded.app.inject({ url: '/healthz', headers: { host: 'sentinel.example:8787', authorization: basic } })).statusCode).toBe(200);
    const r = await guarded.app.inject({ method: 'POST', url: '/precheck', payload: draft, headers: { host: 'sentinel.example', authorization: basic, 'content-type': 'application/json', origin: 'https://evil.example' } });
    expect(r.statusCode).toBe(403);
  });
});

describe('binding', () => {
  it('refuses a non-loopback address without a credential, where the socket is opened', async () => {
    await expect(startHttpServer({ host: '0.0.0.0', port: 0, credential: undefined }, deps)).rejects.toBeInstanceOf(ConfigError);
  });

  it('reads the host name of a Host header', () => {
    expect(['127.0.0.1:80', 'localhost', '[::1]:8787', 'Example.COM:1'].map(hostName)).toEqual(['127.0.0.1', 'localhost', '[::1]', 'example.com']);
  });
});
