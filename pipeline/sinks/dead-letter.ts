/**
 * The dead-letter path. A rejected message becomes a {@link DeadLetter}: published durably on the
 * dead-letter subject (JetStream, de-duplicated on `dl_id`), from where the dead-letter writer
 * copies it into ClickHouse `dead_letters`. The original message is acked only once the
 * dead-letter publish is confirmed, so a bad message is never lost and never stops the pipeline.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { REJECT_REASONS, type Rejection } from '../decode/reject-reasons.js';

/** Largest payload kept with a dead letter (the rest is cut, and says so). */
export const MAX_DEAD_LETTER_PAYLOAD = 64 * 1024;

export interface DeadLetter {
  /** `<stream>:<sequence>` of the rejected message: the same message always gives the same id. */
  dl_id: string;
  /** The first reason; `reasons` holds them all. */
  reason: string;
  reason_zh: string;
  reasons: string[];
  details: string[];
  setl_id: string;
  subject: string;
  stream_seq: number;
  delivery_count: number;
  received_at: string;
  payload: string;
}

export interface RejectedMessage {
  stream: string;
  streamSeq: number;
  subject: string;
  deliveryCount: number;
  data: Uint8Array;
}

export function deadLetterOf(msg: RejectedMessage, rejections: readonly Rejection[], setlId: string | undefined, now: Date): DeadLetter {
  const first = rejections[0] ?? { reason: 'schema_violation' as const, detail: 'unknown' };
  const text = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString('utf8');
  return {
    dl_id: `${msg.stream}:${msg.streamSeq}`,
    reason: first.reason,
    reason_zh: REJECT_REASONS[first.reason],
    reasons: rejections.map((r) => r.reason),
    details: rejections.map((r) => r.detail),
    setl_id: setlId ?? '',
    subject: msg.subject,
    stream_seq: msg.streamSeq,
    delivery_count: msg.deliveryCount,
    received_at: now.toISOString(),
    payload: text.length > MAX_DEAD_LETTER_PAYLOAD ? `${text.slice(0, MAX_DEAD_LETTER_PAYLOAD)}…[truncated ${text.length - MAX_DEAD_LETTER_PAYLOAD} chars]` : text,
  };
}

/** Publishes dead letters durably; resolves once JetStream has stored every one. */
export async function publishDeadLetters(js: JetStreamClient, subject: string, letters: readonly DeadLetter[]): Promise<void> {
  await Promise.all(letters.map((d) => js.publish(subject, JSON.stringify(d), { msgID: d.dl_id })));
}
