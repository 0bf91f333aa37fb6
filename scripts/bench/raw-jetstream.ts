/**
 * The machine's raw JetStream rates, measured in the same run as the pipeline: pipelined publish
 * of the same lines into a file-backed stream, then a pull consumer that fetches, parses and acks.
 */
import { AckPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

export interface RawRates {
  publishPerSecond: number;
  consumePerSecond: number;
}

export async function measureRawJetStream(nc: NatsConnection, lines: readonly string[], window = 2000): Promise<RawRates> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = `BENCH_RAW_${Date.now()}`;
  await jsm.streams.add({ name: stream, subjects: [`bench.raw.${stream}.>`], storage: StorageType.File });
  try {
    const inflight = new Set<Promise<unknown>>();
    let t0 = performance.now();
    for (let i = 0; i < lines.length; i++) {
      while (inflight.size >= window) await Promise.race(inflight);
      const p: Promise<unknown> = js.publish(`bench.raw.${stream}.${i % 16}`, lines[i]!, { msgID: `raw-${i}` }).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
    const publishPerSecond = lines.length / ((performance.now() - t0) / 1000);

    await jsm.consumers.add(stream, { durable_name: 'raw', ack_policy: AckPolicy.Explicit, max_ack_pending: 20_000 });
    const consumer = await js.consumers.get(stream, 'raw');
    let n = 0;
    t0 = performance.now();
    while (n < lines.length) {
      const batch = await consumer.fetch({ max_messages: 4000, expires: 2000 });
      for await (const m of batch) {
        JSON.parse(m.string());
        m.ack();
        n += 1;
      }
    }
    await nc.flush();
    const consumePerSecond = n / ((performance.now() - t0) / 1000);
    return { publishPerSecond, consumePerSecond };
  } finally {
    await jsm.streams.delete(stream);
  }
}
