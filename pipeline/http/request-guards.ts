/**
 * Guards in front of every route, beside the credential (`basic-auth.ts`), against what another
 * web page open in the same browser could do with the dashboard:
 * - **Host** (DNS rebinding): with no credential the server is loopback-only, and it answers only
 *   requests addressed to a loopback name. A page whose own host name is re-pointed at 127.0.0.1
 *   sends its own name as `Host`, and is refused (403) before it can read personal data.
 * - **Cross-site writes** (CSRF): a `POST` that a browser marks as coming from another site
 *   (`Sec-Fetch-Site`, or an `Origin` that is not this server) is refused (403), and a `POST` body
 *   must be declared `application/json` (415): a plain HTML form on another site cannot post a
 *   review with the browser's cached credential. Programs (curl, hospital systems, the precheck
 *   CLI) send neither header and are unaffected.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LOOPBACK_HOSTS } from '../config.js';

/** The host name of a `Host` header value, without its port; lower case. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** A browser's marks of a request from another site: `Sec-Fetch-Site`, else an `Origin` that is not `host` (`null` included). */
function isCrossSite(headers: FastifyRequest['headers'], host: string): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  if (headers.origin === undefined) return false;
  try {
    return new URL(headers.origin).host.toLowerCase() !== host.toLowerCase();
  } catch {
    return true;
  }
}

/** Why a request is refused, or undefined when it may go on. */
export function refusal(req: Pick<FastifyRequest, 'method' | 'headers'>, loopbackOnly: boolean): { status: 403 | 415; error: string; message_zh: string } | undefined {
  const host = req.headers.host ?? '';
  if (loopbackOnly && !LOOPBACK_HOSTS.includes(hostName(host).replace(/^\[(.*)\]$/, '$1'))) {
    return { status: 403, error: `host ${host || '(none)'} is not a loopback name; without a credential this server answers 127.0.0.1 / localhost only`, message_zh: '仅允许本机地址访问（未配置访问凭据）' };
  }
  if (req.method !== 'POST') return undefined;
  if (isCrossSite(req.headers, host)) return { status: 403, error: 'cross-site request refused', message_zh: '拒绝跨站请求' };
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return { status: 415, error: `content-type must be application/json (got ${type || 'none'})`, message_zh: '请求体须为 JSON（Content-Type: application/json）' };
  }
  return undefined;
}

/** Installs the guards; `loopbackOnly` when no credential is configured. Runs after authentication. */
export function installRequestGuards(app: FastifyInstance, loopbackOnly: boolean): void {
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const r = refusal(req, loopbackOnly);
    if (r) return reply.code(r.status).send({ error: r.error, message_zh: r.message_zh });
  });
}
