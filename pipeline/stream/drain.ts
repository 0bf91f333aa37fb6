/**
 * Waiting until a durable consumer has processed everything up to a stream sequence: its ack floor
 * has reached the sequence and nothing is pending or in flight. Used by replay, the benchmark and
 * tests instead of sleeping.
 */
import type { JetStreamManager } from '@nats-io/jetstream';

export interface DrainOptions {
  /** @default 50 */
  pollMs?: number;
  /** @default 600000 */
  timeoutMs?: number;
  /** Called at every poll with the consumer's ack floor. */
  onProgress?: (ackFloor: number) => void;
}

export async function waitForConsumer(jsm: JetStreamManager, stream: string, durable: string, uptoSeq: number, options: DrainOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  for (;;) {
    let info;
    try {
      info = await jsm.consumers.info(stream, durable);
    } catch (e) {
      // A worker resuming in stream order recreates its consumer: wait for it to be back.
      if (!/consumer not found/i.test(String((e as Error).message)) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 50));
      continue;
    }
    options.onProgress?.(info.ack_floor.stream_seq);
    if (info.ack_floor.stream_seq >= uptoSeq && info.num_pending === 0 && info.num_ack_pending === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`consumer ${stream}/${durable} did not reach sequence ${uptoSeq} in time (ack floor ${info.ack_floor.stream_seq}, pending ${info.num_pending}, in flight ${info.num_ack_pending})`);
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 50));
  }
}

/** Waits until a consumer has nothing pending and nothing in flight (e.g. the dead-letter writer). */
export async function waitForIdle(jsm: JetStreamManager, stream: string, durable: string, options: DrainOptions = {}): Promise<void> {
  const last = (await jsm.streams.info(stream)).state.last_seq;
  await waitForConsumer(jsm, stream, durable, last, options);
}
