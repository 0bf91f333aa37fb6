/**
 * Access control of the HTTP server: with `http.credential` set, every request (pages, API, the
 * live feed, `/metrics`, `POST /precheck`) must carry it as HTTP Basic; anything else is refused
 * with 401 and a `WWW-Authenticate` challenge, so a browser asks for it. Comparison is on SHA-256
 * digests in constant time. The authenticated user name is what reviews record as `auth_user`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user, or null when no credential is configured. */
    authUser: string | null;
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The user of a valid `Authorization: Basic …` header, or undefined. */
export function basicAuthUser(header: string | undefined, credential: string): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const given = Buffer.from(m[1]!, 'base64').toString('utf8');
  if (!timingSafeEqual(digest(given), digest(credential))) return undefined;
  return given.slice(0, given.indexOf(':'));
}

export function installBasicAuth(app: FastifyInstance, credential: string | undefined): void {
  app.decorateRequest('authUser', null);
  if (!credential) return;
  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    const user = basicAuthUser(req.headers.authorization, credential);
    if (user === undefined) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Basic realm="yibao-sentinel", charset="UTF-8"')
        .send({ error: 'authentication required', message_zh: '需要登录：请提供访问凭据' });
    }
    req.authUser = user;
  });
}
