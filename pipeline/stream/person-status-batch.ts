/**
 * Handles a batch of person status messages (`{psn_no, death_date}`, deaths from the civil
 * registry): stored in ClickHouse `person_status`, then in the detectors' in-memory view, then
 * acked. A malformed one goes to the dead-letter path like a bad settlement.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { PersonStatus } from '../contracts/settlement.js';
import type { ClickHouseSink } from '../sinks/clickhouse-sink.js';
import { deadLetterOf, publishDeadLetters, type DeadLetter } from '../sinks/dead-letter.js';
import type { PersonStatusStore } from '../state/person-status.js';
import { parseCalendarDate } from '../time/event-time.js';
import { backoffFor } from './settlement-batch.js';

export function decodePersonStatus(data: Uint8Array | string): PersonStatus | string {
  let v: unknown;
  try {
    v = JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  const p = v as Partial<PersonStatus> | null;
  if (typeof p !== 'object' || p === null) return 'not a JSON object';
  if (typeof p.psn_no !== 'string' || p.psn_no.length < 1 || p.psn_no.length > 64) return '/psn_no: a string of 1–64 characters is required';
  if (typeof p.death_date !== 'string' || !parseCalendarDate(p.death_date)) return '/death_date: a real date YYYY-MM-DD is required';
  return { psn_no: p.psn_no, death_date: p.death_date };
}

export interface PersonBatchDeps {
  readonly js: JetStreamClient;
  readonly sink: ClickHouseSink;
  readonly store: PersonStatusStore;
  readonly deadLetterSubject: string;
  readonly nakBackoffMs: readonly number[];
  readonly clock: () => Date;
}

export async function handlePersonStatusBatch(msgs: readonly JsMsg[], deps: PersonBatchDeps): Promise<{ stored: number; rejected: DeadLetter[] }> {
  const now = deps.clock();
  const good: PersonStatus[] = [];
  const bad: DeadLetter[] = [];
  for (const m of msgs) {
    const decoded = decodePersonStatus(m.data);
    if (typeof decoded === 'string') {
      bad.push(deadLetterOf({ stream: m.info.stream, streamSeq: m.info.streamSequence, subject: m.subject, deliveryCount: m.info.deliveryCount, data: m.data }, [{ reason: 'invalid_person_status', detail: decoded }], undefined, now));
    } else {
      good.push(decoded);
    }
  }
  try {
    await deps.sink.write({ persons: good.map((p) => ({ ...p, received_at: now.getTime() })) });
    await publishDeadLetters(deps.js, deps.deadLetterSubject, bad);
  } catch {
    for (const m of msgs) m.nak(backoffFor(m.info.deliveryCount, deps.nakBackoffMs));
    return { stored: 0, rejected: [] };
  }
  for (const p of good) deps.store.set(p);
  for (const m of msgs) m.ack();
  return { stored: good.length, rejected: bad };
}
