/**
 * Pulls messages from a durable JetStream consumer and hands them to a handler in batches (by
 * count, or when the oldest message has waited `batchWaitMs`). Batches are handled one at a time,
 * in delivery order; memory is bounded by `pullSize`.
 *
 * It pulls with bounded fetches (at most `pullSize` messages, expiring after `fetchExpiresMs`)
 * rather than an open-ended subscription, so that on `stop()` every message the server delivered
 * is accounted for: nothing is left to wait out `ack_wait` in a closed inbox.
 *
 * Lifetime: `start()` begins pulling; `stop()` stops pulling, lets the batch in hand finish, naks
 * whatever else arrives before the current fetch ends (redelivered at once to the next consumer),
 * and resolves when nothing is in flight. The handler owns acking: every message it is given must
 * be acked, nak'ed or termed.
 */
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import type { Logger } from '../logger.js';

export interface BatchConsumerOptions {
  batchSize: number;
  batchWaitMs: number;
  /** Messages asked for in one fetch. @default 4 × batchSize */
  pullSize?: number;
  /** How long one fetch waits for messages (≥ 1000, the client's minimum). @default 1000 */
  fetchExpiresMs?: number;
}

export interface BatchConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const TIMEOUT = Symbol('timeout');

export function createBatchConsumer(
  consumer: Consumer,
  options: BatchConsumerOptions,
  handler: (batch: JsMsg[]) => Promise<void>,
  logger: Logger,
): BatchConsumer {
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeStop: (() => void) | undefined;
  const stopping = new Promise<void>((resolve) => (wakeStop = resolve));

  async function hand(batch: JsMsg[]): Promise<void> {
    if (!batch.length) return;
    try {
      await handler(batch);
    } catch (err) {
      // The handler acks or naks itself; reaching here is a bug. Hand the messages back.
      logger.error({ err }, 'batch handler failed; messages handed back for redelivery');
      for (const m of batch) m.nak();
    }
  }

  async function drainFetch(): Promise<void> {
    const messages = await consumer.fetch({ max_messages: options.pullSize ?? options.batchSize * 4, expires: options.fetchExpiresMs ?? 1000 });
    const it = messages[Symbol.asyncIterator]();
    let batch: JsMsg[] = [];
    let firstAt = 0;
    let next = it.next();
    for (;;) {
      let r: IteratorResult<JsMsg> | typeof TIMEOUT;
      if (batch.length) {
        const left = firstAt + options.batchWaitMs - Date.now();
        let timer: NodeJS.Timeout | undefined;
        r = left <= 0 ? TIMEOUT : await Promise.race([next, new Promise<typeof TIMEOUT>((res) => (timer = setTimeout(() => res(TIMEOUT), left)))]);
        clearTimeout(timer);
      } else {
        r = await next;
      }
      if (r === TIMEOUT) {
        await hand(batch);
        batch = [];
        continue;
      }
      if (r.done) break;
      next = it.next();
      if (!running) {
        r.value.nak();
        continue;
      }
      if (!batch.length) firstAt = Date.now();
      batch.push(r.value);
      if (batch.length >= options.batchSize) {
        await hand(batch);
        batch = [];
      }
    }
    if (running) await hand(batch);
    else for (const m of batch) m.nak();
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        await drainFetch();
      } catch (err) {
        if (!running) return;
        logger.warn({ err }, 'fetch failed; retrying');
        await Promise.race([new Promise((r) => setTimeout(r, 1000)), stopping]);
      }
    }
  }

  return {
    async start() {
      running = true;
      loop = run();
    },
    async stop() {
      if (!running) return;
      running = false;
      wakeStop?.();
      await loop;
    },
  };
}
