/**
 * Handles one batch of settlement messages: decode at the edge, detect, write every sink, and
 * only then ack. Bad messages go to the dead-letter path (acked once it is durable); a message
 * whose processing throws is retried and dead-lettered past `maxDeliver`; a sink failure naks the
 * whole batch with backoff.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Alert } from '../contracts/alert.js';
import type { Settlement } from '../contracts/settlement.js';
import { decodeSettlement } from '../decode/validate-settlement.js';
import type { RejectReason } from '../decode/reject-reasons.js';
import type { DetectionEngine } from '../detectors/engine.js';
import { publishAlerts } from '../sinks/alert-feed.js';
import type { ClickHouseSink } from '../sinks/clickhouse-sink.js';
import { deadLetterOf, publishDeadLetters, type DeadLetter } from '../sinks/dead-letter.js';
import { alertRow, itemRows, settlementRow, type ItemRow, type SettlementRow } from '../sinks/rows.js';
import type { TraceCodeStore } from '../state/trace-code-store.js';

export interface BatchDeps {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly sink: ClickHouseSink;
  readonly engine: DetectionEngine;
  /** The shared trace-code store: rows the batch's records queued are written with the batch. */
  readonly traceCodes?: TraceCodeStore;
  readonly deadLetterSubject: string;
  readonly maxDeliver: number;
  readonly nakBackoffMs: readonly number[];
  readonly clock: () => Date;
}

/** What a committed batch did (every message in it acked or termed). */
export interface BatchOutcome {
  readonly messages: number;
  readonly accepted: readonly Settlement[];
  readonly alerts: readonly Alert[];
  readonly deadLetters: readonly DeadLetter[];
  /** Messages nak'ed for a retry (processing error below `maxDeliver`, or the whole batch on a sink failure). */
  readonly retried: number;
  readonly unknownCodes: number;
  /** Set when the sinks failed and the batch was nak'ed. */
  readonly sinkError?: Error;
}

/** Settlements detected between two yields to the event loop. */
const YIELD_EVERY = 50;

export function backoffFor(deliveryCount: number, backoffMs: readonly number[]): number {
  return backoffMs[Math.min(deliveryCount, backoffMs.length) - 1] ?? 0;
}

function rejected(m: JsMsg): { stream: string; streamSeq: number; subject: string; deliveryCount: number; data: Uint8Array } {
  return { stream: m.info.stream, streamSeq: m.info.streamSequence, subject: m.subject, deliveryCount: m.info.deliveryCount, data: m.data };
}

export async function handleSettlementBatch(msgs: readonly JsMsg[], deps: BatchDeps): Promise<BatchOutcome> {
  const now = deps.clock();
  const nowMs = now.getTime();
  const accepted: Settlement[] = [];
  const settlements: SettlementRow[] = [];
  const items: ItemRow[] = [];
  const alerts: Alert[] = [];
  const deadLetters: DeadLetter[] = [];
  const done: JsMsg[] = [];
  const retry: JsMsg[] = [];
  let unknownCodes = 0;

  // Decode everything first, so the detectors can load what the batch's checks read in one go.
  const decodedAll = msgs.map((m) => decodeSettlement(m.data));
  const valid = decodedAll.flatMap((d) => (d.ok ? [d.settlement] : []));
  try {
    await deps.engine.prepare(valid);
  } catch (err) {
    return failBatch(msgs, deps, err as Error, now);
  }

  for (const [i, m] of msgs.entries()) {
    // Let other work in (pre-event checks, heartbeats) every few settlements: a batch's detection
    // is synchronous and would otherwise hold the event loop for its whole length.
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise<void>((resolve) => setImmediate(resolve));
    const decoded = decodedAll[i]!;
    if (!decoded.ok) {
      deadLetters.push(deadLetterOf(rejected(m), decoded.rejections, decoded.setlId, now));
      done.push(m);
      continue;
    }
    const s = decoded.settlement;
    try {
      const evaluation = deps.engine.evaluate(s, 'in', { seq: m.info.streamSequence, detectedAt: now });
      alerts.push(...evaluation.alerts);
      unknownCodes += evaluation.facts.unknownCodes;
    } catch (err) {
      if (m.info.deliveryCount >= deps.maxDeliver) {
        const reason: RejectReason = 'processing_failed';
        deadLetters.push(deadLetterOf(rejected(m), [{ reason, detail: `after ${m.info.deliveryCount} deliveries: ${(err as Error).message}` }], s.setl_id, now));
        done.push(m);
      } else {
        retry.push(m);
      }
      continue;
    }
    accepted.push(s);
    settlements.push(settlementRow(s, m.info.streamSequence, nowMs));
    for (const row of itemRows(s)) items.push(row);
    done.push(m);
  }

  const traceCodes = deps.traceCodes?.takePending() ?? [];
  try {
    await deps.sink.write({ settlements, items, alerts: alerts.map(alertRow), traceCodes });
    await publishDeadLetters(deps.js, deps.deadLetterSubject, deadLetters);
  } catch (err) {
    // Detector state already holds the batch (the ordering rule keeps redelivered checks exact);
    // the trace-code rows must still reach the store, so they go back in the queue.
    deps.traceCodes?.restorePending(traceCodes);
    return failBatch(msgs, deps, err as Error, now);
  }
  publishAlerts(deps.nc, alerts);
  for (const m of done) m.ack();
  for (const m of retry) m.nak(backoffFor(m.info.deliveryCount, deps.nakBackoffMs));
  return { messages: msgs.length, accepted, alerts, deadLetters, retried: retry.length, unknownCodes };
}

/**
 * The sinks failed: nak everything with backoff, except messages past `maxDeliver`, which go to
 * the dead-letter stream (it does not depend on ClickHouse) so they stop cycling; the dead-letter
 * writer copies them to ClickHouse once it is back. If even that publish fails, they are nak'ed.
 */
async function failBatch(msgs: readonly JsMsg[], deps: BatchDeps, err: Error, now: Date): Promise<BatchOutcome> {
  const exhausted = msgs.filter((m) => m.info.deliveryCount >= deps.maxDeliver);
  const letters = exhausted.map((m) =>
    deadLetterOf(rejected(m), [{ reason: 'processing_failed', detail: `sinks failed ${m.info.deliveryCount} times: ${err.message}` }], undefined, now),
  );
  let parked = new Set<JsMsg>();
  if (letters.length) {
    try {
      await publishDeadLetters(deps.js, deps.deadLetterSubject, letters);
      parked = new Set(exhausted);
    } catch {
      // NATS is failing too: everything is retried.
    }
  }
  for (const m of msgs) {
    if (parked.has(m)) m.ack();
    else m.nak(backoffFor(m.info.deliveryCount, deps.nakBackoffMs));
  }
  return {
    messages: msgs.length,
    accepted: [],
    alerts: [],
    deadLetters: parked.size ? letters : [],
    retried: msgs.length - parked.size,
    unknownCodes: 0,
    sinkError: err,
  };
}
