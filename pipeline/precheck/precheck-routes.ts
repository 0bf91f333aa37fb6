/**
 * The pre-event check over HTTP for hospital systems that do not speak NATS: `POST /precheck`
 * with the draft as JSON; 200 `{decision, alerts}`, or 400 `{error, problems}` listing every
 * problem in English (`detail`) and Chinese (`message_zh`). Never a crash: a body that is not JSON
 * is a 400 too. Registered on the project's one HTTP server (`pipeline/http/http-server.ts`).
 */
import type { FastifyInstance } from 'fastify';
import type { Precheck } from './precheck.js';
import { parseJsonBody } from '../http/json-body.js';

export function registerPrecheckRoutes(app: FastifyInstance, precheck: Precheck): void {
  app.post('/precheck', async (req, reply) => {
    const body = parseJsonBody(req.body);
    if (!body.ok) return reply.code(400).send({ error: 'bad draft', problems: [{ reason: 'not_json', detail: body.detail, message_zh: '消息不是有效的 JSON' }] });
    const r = await precheck.check(body.value);
    if (!r.ok) return reply.code(400).send({ error: 'bad draft', problems: r.problems });
    return reply.send(r.answer);
  });
}
