/**
 * Publishes settlements into the settlement stream, as a HIS, a POS or the replay tool does:
 * subject `<prefix>.<admdvs>.<partition>`, `Nats-Msg-Id` = `setl_id` so a re-published settlement
 * is stored once. Raw lines are published as they are, bad ones included: the pipeline, not the
 * publisher, decides what is rejected (a line that is not JSON goes to `<prefix>._.0`).
 * Publishes are pipelined: up to `window` un-acknowledged at once.
 */
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { StreamConfig } from '../config.js';
import { settlementSubject } from './partition.js';

export interface PublishStats {
  published: number;
  /** Publishes the stream recognised as a repeated `setl_id` within the duplicate window. */
  duplicates: number;
  /** Highest stream sequence acknowledged. */
  lastSeq: number;
}

export interface SettlementPublisher {
  /** Publishes one NDJSON line (trimmed); resolves when it is queued (not yet acknowledged). */
  publishLine(line: string): Promise<void>;
  /** Waits for every outstanding acknowledgement. */
  flush(): Promise<PublishStats>;
  stats(): PublishStats;
}

export function routeOf(line: string, stream: Pick<StreamConfig, 'subjectPrefix' | 'partitions'>): { subject: string; msgID?: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { subject: `${stream.subjectPrefix}._.0` };
  }
  const v = (typeof value === 'object' && value !== null ? value : {}) as { admdvs?: unknown; psn_no?: unknown; setl_id?: unknown };
  const admdvs = typeof v.admdvs === 'string' && v.admdvs ? v.admdvs : '_';
  const psn = typeof v.psn_no === 'string' ? v.psn_no : '';
  const subject = settlementSubject(stream.subjectPrefix, admdvs, psn, stream.partitions);
  return typeof v.setl_id === 'string' && v.setl_id ? { subject, msgID: v.setl_id } : { subject };
}

export function createSettlementPublisher(js: JetStreamClient, stream: Pick<StreamConfig, 'subjectPrefix' | 'partitions'>, window = 2000): SettlementPublisher {
  const stats: PublishStats = { published: 0, duplicates: 0, lastSeq: 0 };
  const inflight = new Set<Promise<void>>();
  let failure: Error | undefined;

  function track(p: Promise<PubAck>): void {
    const t: Promise<void> = p.then(
      (ack) => {
        stats.published += 1;
        if (ack.duplicate) stats.duplicates += 1;
        if (ack.seq > stats.lastSeq) stats.lastSeq = ack.seq;
        inflight.delete(t);
      },
      (err: Error) => {
        failure ??= err;
        inflight.delete(t);
      },
    );
    inflight.add(t);
  }

  return {
    async publishLine(line) {
      if (failure) throw failure;
      while (inflight.size >= window) await Promise.race(inflight);
      const { subject, msgID } = routeOf(line, stream);
      track(js.publish(subject, line, msgID ? { msgID } : undefined));
    },
    async flush() {
      await Promise.all(inflight);
      if (failure) throw failure;
      return { ...stats };
    },
    stats: () => ({ ...stats }),
  };
}
