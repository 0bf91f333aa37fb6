/**
 * The JetStream topology: the settlement stream (file storage, duplicate window keyed on
 * `setl_id`), the dead-letter stream, the alert-feed stream, and the durable pull consumers.
 * `ensureTopology` is idempotent: it creates what is missing and updates what may change.
 */
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig as JsStreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { ConsumerConfig, StreamConfig } from '../config.js';

/** Durable consumer that copies dead letters into ClickHouse. */
export const DEAD_LETTER_WRITER = 'yb-deadletter-writer';
/** Durable consumer that stores person status (deaths). */
export const PERSON_STATUS_WRITER = 'yb-person-status';

async function upsertStream(jsm: JetStreamManager, cfg: Partial<JsStreamConfig> & { name: string; subjects: string[] }): Promise<void> {
  try {
    await jsm.streams.info(cfg.name);
    await jsm.streams.update(cfg.name, cfg);
  } catch (e) {
    if ((e as { name?: string }).name !== 'StreamNotFoundError' && !/stream not found/i.test(String((e as Error).message))) throw e;
    await jsm.streams.add(cfg);
  }
}

export async function ensureTopology(jsm: JetStreamManager, stream: StreamConfig, consumer: ConsumerConfig): Promise<void> {
  await upsertStream(jsm, {
    name: stream.name,
    subjects: [`${stream.subjectPrefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(stream.duplicateWindowMs),
    max_age: nanos(stream.maxAgeMs),
  });
  await upsertStream(jsm, {
    name: stream.deadLetterStream,
    subjects: [stream.deadLetterSubject],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: nanos(stream.duplicateWindowMs),
    max_age: nanos(30 * 86_400_000),
  });
  // The feed stream captures `yb.alert.>`; if another stream already does (a shared server), use it.
  await upsertStream(jsm, {
    name: stream.alertStream,
    subjects: ['yb.alert.>'],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: nanos(stream.duplicateWindowMs),
    max_age: nanos(7 * 86_400_000),
  }).catch((e: Error) => {
    if (!/overlap/i.test(e.message)) throw e;
  });
  await upsertStream(jsm, {
    name: stream.personStream,
    subjects: [stream.personSubject],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(stream.maxAgeMs),
  });
  await upsertConsumer(jsm, stream.personStream, writerConsumerConfig(PERSON_STATUS_WRITER, consumer));
  const detector = detectorConsumerConfig(stream, consumer);
  await upsertConsumer(jsm, stream.name, detector);
  await upsertConsumer(jsm, stream.deadLetterStream, writerConsumerConfig(DEAD_LETTER_WRITER, consumer));
}

/** A durable consumer that copies a stream into ClickHouse (dead letters, person status). */
function writerConsumerConfig(durable: string, consumer: ConsumerConfig): { durable_name: string } & Record<string, unknown> {
  return {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(consumer.ackWaitMs),
    max_ack_pending: consumer.maxAckPending,
  };
}

function detectorConsumerConfig(stream: StreamConfig, consumer: ConsumerConfig): { durable_name: string } & Record<string, unknown> {
  return {
    durable_name: consumer.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(consumer.ackWaitMs),
    // Unlimited on the server: the worker itself dead-letters a message on its last allowed
    // delivery, and if that publish fails too the message must come back rather than be parked.
    max_deliver: -1,
    max_ack_pending: consumer.maxAckPending,
    filter_subject: `${stream.subjectPrefix}.>`,
  };
}

/**
 * Makes the detector consumer deliver in stream order from its ack floor. Called by a worker
 * before it starts consuming: messages that a dead worker took but never acked would otherwise come
 * back only after `ack_wait`, behind newer ones, and be checked after settlements that follow them
 * in the stream (the ordering rule of `pipeline/state/history.ts` needs every smaller sequence
 * recorded first). The consumer is recreated to start right after the ack floor; what above the
 * floor was already processed is processed again, idempotently. One worker per durable consumer.
 */
export async function resumeInStreamOrder(jsm: JetStreamManager, stream: StreamConfig, consumer: ConsumerConfig): Promise<{ resumedFrom: number } | undefined> {
  const info = await jsm.consumers.info(stream.name, consumer.durable);
  if (info.delivered.stream_seq <= info.ack_floor.stream_seq) return undefined;
  const from = info.ack_floor.stream_seq + 1;
  await jsm.consumers.delete(stream.name, consumer.durable);
  await jsm.consumers.add(stream.name, { ...detectorConsumerConfig(stream, consumer), deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
  return { resumedFrom: from };
}

async function upsertConsumer(jsm: JetStreamManager, streamName: string, cfg: { durable_name: string } & Record<string, unknown>): Promise<void> {
  try {
    await jsm.consumers.info(streamName, cfg.durable_name);
    const { durable_name: _d, deliver_policy: _p, filter_subject: _f, ...updatable } = cfg;
    await jsm.consumers.update(streamName, cfg.durable_name, updatable);
  } catch (e) {
    if (!/consumer not found/i.test(String((e as Error).message)) && (e as { name?: string }).name !== 'ConsumerNotFoundError') throw e;
    await jsm.consumers.add(streamName, cfg);
  }
}
