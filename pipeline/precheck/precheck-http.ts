/**
 * The pre-event check over HTTP for hospital systems that do not speak NATS: `POST /precheck`
 * with the draft as JSON; 200 `{decision, alerts}`, or 400 `{error, problems}` listing every
 * problem in English (`detail`) and Chinese (`message_zh`). Never a crash: a body that is not JSON
 * is a 400 too. Bound to loopback unless configured otherwise.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Precheck } from './precheck.js';

export interface HttpOptions {
  /** @default "127.0.0.1" */
  host: string;
  /** 0 picks a free port. @default 8787 */
  port: number;
}

export async function startPrecheckHttp(precheck: Precheck, options: HttpOptions): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  // Parse JSON ourselves, so that a body that is not JSON gets the same problem list as a bad draft.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/precheck', async (req, reply) => {
    let draft: unknown;
    try {
      draft = JSON.parse(String(req.body ?? ''));
    } catch (e) {
      return reply.code(400).send({ error: 'bad draft', problems: [{ reason: 'not_json', detail: (e as Error).message, message_zh: '消息不是有效的 JSON' }] });
    }
    const r = await precheck.check(draft);
    if (!r.ok) return reply.code(400).send({ error: 'bad draft', problems: r.problems });
    return reply.send(r.answer);
  });
  app.get('/healthz', async () => ({ ok: true }));
  const address = await app.listen({ host: options.host, port: options.port });
  return { app, url: address };
}
