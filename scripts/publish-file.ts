/**
 * `tsx scripts/publish-file.ts FILE`: publishes every line of an NDJSON file into the settlement
 * stream as fast as the server takes them (NATS_URL), without waiting for processing. The load
 * half of a replay, for benchmarks that need a stream running from another process.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command } from '@commander-js/extra-typings';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { DEFAULT_STREAM } from '../pipeline/config.js';
import { reportError } from '../pipeline/entry-support.js';
import { createSettlementPublisher } from '../pipeline/stream/settlement-publisher.js';

const program = new Command()
  .name('publish-file')
  .description('Publishes an NDJSON file of settlements into the settlement stream at full speed (NATS_URL).\n把结算文件全速发布到结算流。')
  .argument('<file>', 'settlements, one JSON per line');

async function main(): Promise<void> {
  const [file] = program.parse().args;
  const nc = await connect({ servers: (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','), noAsyncTraces: true });
  const publisher = createSettlementPublisher(jetstream(nc), DEFAULT_STREAM, 2000);
  for await (const line of createInterface({ input: createReadStream(file!, 'utf8'), crlfDelay: Infinity })) if (line.trim()) await publisher.publishLine(line);
  const stats = await publisher.flush();
  process.stderr.write(`published ${stats.published}\n`);
  await nc.drain();
}

main().then(
  () => process.exit(0),
  (err: unknown) => process.exit(reportError(err)),
);
