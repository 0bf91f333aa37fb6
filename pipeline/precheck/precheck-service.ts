/**
 * The pre-event check as a NATS service (`@nats-io/services`): discoverable with `$SRV.PING`,
 * `$SRV.INFO`, `$SRV.STATS`, one endpoint `precheck` on subject `yb.precheck`. A bad draft is
 * answered with a service error (code 400) whose body lists the problems.
 */
import { Svcm, type Service } from '@nats-io/services';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger.js';
import type { Precheck } from './precheck.js';

export const PRECHECK_SUBJECT = 'yb.precheck';
export const PRECHECK_SERVICE = 'yb-precheck';

export async function startPrecheckService(nc: NatsConnection, precheck: Precheck, logger: Logger, version = '0.1.0'): Promise<Service> {
  const service = await new Svcm(nc).add({
    name: PRECHECK_SERVICE,
    version,
    description: '事前提醒：草稿处方/结算按事中规则与已知历史检查，不改变状态 (pre-event check of a draft settlement)',
    queue: 'yb-precheck',
  });
  service.addEndpoint('precheck', {
    subject: PRECHECK_SUBJECT,
    metadata: { contract: 'shared/contracts/interfaces.md#pre-event-check', answer: '{decision, alerts}' },
    handler: (err, msg) => {
      if (err) {
        logger.error({ err }, 'precheck endpoint failed');
        return;
      }
      let body: unknown;
      try {
        body = msg.json();
      } catch (e) {
        msg.respondError(400, 'not JSON', JSON.stringify({ error: 'bad draft', problems: [{ reason: 'not_json', detail: (e as Error).message, message_zh: '消息不是有效的 JSON' }] }));
        return;
      }
      precheck.check(body).then(
        (r) => {
          if (r.ok) msg.respond(JSON.stringify(r.answer));
          else msg.respondError(400, 'bad draft', JSON.stringify({ error: 'bad draft', problems: r.problems }));
        },
        (e: unknown) => {
          logger.error({ err: e }, 'precheck failed');
          msg.respondError(500, 'precheck failed', JSON.stringify({ error: (e as Error).message }));
        },
      );
    },
  });
  return service;
}
