/**
 * Copies dead letters from the dead-letter stream into ClickHouse `dead_letters`, acking each
 * batch after the insert. ClickHouse down: the batch is nak'ed and retried, never dropped.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { ClickHouseSink } from '../sinks/clickhouse-sink.js';
import type { DeadLetter } from '../sinks/dead-letter.js';
import { backoffFor } from './settlement-batch.js';

export async function handleDeadLetterBatch(msgs: readonly JsMsg[], sink: ClickHouseSink, nakBackoffMs: readonly number[]): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const malformed: JsMsg[] = [];
  for (const m of msgs) {
    try {
      letters.push(m.json<DeadLetter>());
    } catch {
      malformed.push(m);
    }
  }
  try {
    await sink.write({ deadLetters: letters });
  } catch {
    for (const m of msgs) m.nak(backoffFor(m.info.deliveryCount, nakBackoffMs));
    return [];
  }
  for (const m of msgs) {
    // Only this program publishes here; something that is not a dead letter is terminated, not retried forever.
    if (malformed.includes(m)) m.term('not a dead-letter record');
    else m.ack();
  }
  return letters;
}
