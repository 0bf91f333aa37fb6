/**
 * Pulls messages from a durable JetStream consumer and hands them to a handler in batches (by
 * count, or when the oldest message has waited `batchWaitMs`). Batches are handled one at a time,
 * in delivery order.
 *
 * Two loops share a bounded queue. The reader pulls with bounded fetches (at most what the queue
 * has room for, expiring after `fetchExpiresMs`) and drains each fetch at once, so the client's
 * heartbeat check never mistakes a long batch for a dead server; the processor takes batches off
 * the queue. Bounded fetches, rather than an open-ended subscription, keep what the server has
 * handed out small and known.
 *
 * Lifetime: `start()` begins pulling; `stop()` ends the current fetch, lets the batch in hand
 * finish, naks everything queued but not handed over (redelivered at once to the next consumer),
 * and resolves when nothing is in flight. A message the server sends in the instant of stopping
 * is redelivered after `ack_wait`: later, never lost. The handler owns acking: every message it is given must be acked,
 * nak'ed or termed.
 */
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import type { Logger } from '../logger.js';

export interface BatchConsumerOptions {
  batchSize: number;
  batchWaitMs: number;
  /** Most messages queued ahead of the handler. @default 4 × batchSize */
  queueSize?: number;
  /**
   * How long one fetch waits for messages (≥ 1000). The client gives a fetch up after two missed
   * heartbeats of half this, so it must exceed the longest pause of the event loop. @default 5000
   */
  fetchExpiresMs?: number;
}

export interface BatchConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A promise that something else resolves, re-armed after each wait. */
function latch(): { wait(ms?: number): Promise<void>; fire(): void } {
  let resolve: (() => void) | undefined;
  return {
    wait(ms?: number) {
      return new Promise<void>((r) => {
        let t: NodeJS.Timeout | undefined;
        resolve = () => {
          clearTimeout(t);
          resolve = undefined;
          r();
        };
        if (ms !== undefined) t = setTimeout(() => resolve?.(), Math.max(0, ms));
      });
    },
    fire() {
      resolve?.();
    },
  };
}

export function createBatchConsumer(
  consumer: Consumer,
  options: BatchConsumerOptions,
  handler: (batch: JsMsg[]) => Promise<void>,
  logger: Logger,
): BatchConsumer {
  const queueSize = options.queueSize ?? options.batchSize * 4;
  let queue: JsMsg[] = [];
  let firstAt = 0;
  let running = false;
  const arrived = latch();
  const room = latch();
  let reader: Promise<void> | undefined;
  let current: { stop(): void } | undefined;
  let processor: Promise<void> | undefined;

  async function readLoop(): Promise<void> {
    while (running) {
      const want = queueSize - queue.length;
      if (want <= 0) {
        await room.wait();
        continue;
      }
      try {
        const messages = await consumer.fetch({ max_messages: want, expires: options.fetchExpiresMs ?? 5000 });
        current = messages;
        if (!running) messages.stop();
        for await (const m of messages) {
          if (!running) {
            m.nak(); // arrived while stopping: hand it straight back
            continue;
          }
          if (!queue.length) firstAt = Date.now();
          queue.push(m);
          arrived.fire();
        }
      } catch (err) {
        if (!running) return;
        // The client gives a fetch up after two heartbeat checks that land just before the
        // server's heartbeats (its check and the server's timer share one period). Messages keep
        // flowing on the next fetch; anything sent to the abandoned one returns after ack_wait.
        if ((err as Error).message === 'heartbeats missed') {
          logger.debug({ err }, 'fetch gave up on heartbeats; pulling again');
          continue;
        }
        logger.warn({ err }, 'fetch failed; pulling again');
        await room.wait(1000);
      }
    }
  }

  async function processLoop(): Promise<void> {
    while (running) {
      if (queue.length < options.batchSize) {
        if (!queue.length) {
          await arrived.wait();
          continue;
        }
        const left = firstAt + options.batchWaitMs - Date.now();
        if (left > 0) {
          await arrived.wait(left);
          if (queue.length < options.batchSize && firstAt + options.batchWaitMs > Date.now()) continue;
        }
      }
      if (!running || !queue.length) continue;
      const batch = queue.length > options.batchSize ? queue.slice(0, options.batchSize) : queue;
      queue = queue.length > options.batchSize ? queue.slice(options.batchSize) : [];
      firstAt = Date.now();
      room.fire();
      try {
        await handler(batch);
      } catch (err) {
        // The handler acks or naks itself; reaching here is a bug. Hand the messages back.
        logger.error({ err }, 'batch handler failed; messages handed back for redelivery');
        for (const m of batch) m.nak();
      }
    }
  }

  return {
    async start() {
      running = true;
      reader = readLoop();
      processor = processLoop();
    },
    async stop() {
      if (!running) return;
      running = false;
      current?.stop();
      arrived.fire();
      room.fire();
      await processor;
      await reader;
      for (const m of queue) m.nak();
      queue = [];
    },
  };
}
