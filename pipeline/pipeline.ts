/**
 * The pipeline factory: the detector worker (settlements → decode → detect → sinks → ack) and the
 * dead-letter writer, over connections it is given. It never touches `process`; entry points
 * (`pipeline/main.ts`, `scripts/*`) own signals and exit codes.
 *
 * Lifetime: `start()` ensures the JetStream topology and starts consuming; `stop()` stops
 * consuming, lets the batch in hand finish and resolves. The caller closes NATS and ClickHouse.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Catalogue } from './catalogue/catalogue.js';
import type { SentinelConfig } from './config.js';
import type { AlertKind } from './contracts/alert.js';
import { createDetectionEngine } from './detectors/engine.js';
import { createDetectors } from './detectors/registry.js';
import type { Logger } from './logger.js';
import { createClickHouseSink, type ClickHouseSink } from './sinks/clickhouse-sink.js';
import type { DeadLetter } from './sinks/dead-letter.js';
import { createBatchConsumer, type BatchConsumer } from './stream/batch-consumer.js';
import { handleDeadLetterBatch } from './stream/dead-letter-writer.js';
import { handleSettlementBatch, type BatchOutcome } from './stream/settlement-batch.js';
import { DEAD_LETTER_WRITER, ensureTopology, PERSON_STATUS_WRITER, resumeInStreamOrder } from './stream/topology.js';
import { handlePersonStatusBatch } from './stream/person-status-batch.js';
import { createPersonStatusStore } from './state/person-status.js';
import { createTraceCodeStore } from './state/trace-code-store.js';
import { rebuildState, type RebuildReport } from './state/rebuild.js';
import type { HistorySize } from './state/history.js';
import { createPrecheck, type Precheck } from './precheck/precheck.js';
import { createMetrics, type ConsumerLag, type Metrics } from './metrics/metrics.js';

export interface PipelineDeps {
  readonly nc: NatsConnection;
  readonly clickhouse: ClickHouseClient;
  readonly catalogue: Catalogue;
  readonly logger: Logger;
  /** Wall clock for `detected_at` and ingestion times. @default () => new Date() */
  readonly clock?: () => Date;
  /** Called after each committed settlement batch (replay, demo, tests). */
  readonly onBatch?: (outcome: BatchOutcome) => void;
  /** Replaces the ClickHouse sink (tests use a deliberately failing one). @default createClickHouseSink(clickhouse) */
  readonly sink?: ClickHouseSink;
  /** Called after each batch of dead letters is in ClickHouse. */
  readonly onDeadLetters?: (letters: readonly DeadLetter[]) => void;
  /** Where counters and latencies are recorded. @default a fresh registry without process metrics */
  readonly metrics?: Metrics;
}

export type PipelineState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface PipelineStatus {
  readonly state: PipelineState;
  /** Messages committed (acked or dead-lettered), redeliveries included. */
  readonly messages: number;
  readonly accepted: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly alertsByKind: Readonly<Partial<Record<AlertKind, number>>>;
  readonly batches: number;
  readonly retried: number;
  readonly sinkFailures: number;
  readonly unknownCodes: number;
  readonly deadLettersStored: number;
  /** Latest `setl_time` processed (ISO), the event-time watermark of this worker. */
  readonly lastEventTime: string | undefined;
  /** Deaths known to `rx.deceased`. */
  readonly persons: number;
  /** State held per stateful kind, and trace codes cached in memory. */
  readonly stateSize: Partial<Record<AlertKind, HistorySize>>;
  readonly traceCodesCached: number;
  /** How state was rebuilt from ClickHouse at start. */
  readonly rebuild: RebuildReport | undefined;
}

export interface Pipeline {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): PipelineStatus;
  /** The pre-event check over this pipeline's detectors and state (read-only). */
  readonly precheck: Precheck;
  readonly metrics: Metrics;
  /** Messages waiting for the detector and dead-letter consumers (JetStream consumer info). */
  consumerLag(): Promise<readonly ConsumerLag[]>;
}

export function createPipeline(config: Readonly<SentinelConfig>, deps: PipelineDeps): Pipeline {
  const log = deps.logger.child({ component: 'pipeline' });
  const clock = deps.clock ?? (() => new Date());
  const persons = createPersonStatusStore();
  const traceCodes = createTraceCodeStore(deps.clickhouse);
  const engine = createDetectionEngine(createDetectors(config.rules, { persons, traceCodes }), deps.catalogue);
  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: false });
  const sink = deps.sink ?? createClickHouseSink(deps.clickhouse, metrics);
  let rebuild: RebuildReport | undefined;
  const js = jetstream(deps.nc);
  let state: PipelineState = 'idle';
  const counters = { messages: 0, accepted: 0, batches: 0, retried: 0, sinkFailures: 0, unknownCodes: 0, deadLettersStored: 0 };
  const rejected: Record<string, number> = {};
  const alertsByKind: Partial<Record<AlertKind, number>> = {};
  let lastEventMs = Number.NEGATIVE_INFINITY;
  let lastEventTime: string | undefined;
  let worker: BatchConsumer | undefined;
  let deadLetterWriter: BatchConsumer | undefined;
  let personWriter: BatchConsumer | undefined;

  function account(outcome: BatchOutcome): void {
    counters.batches += 1;
    counters.messages += outcome.messages - outcome.retried;
    counters.retried += outcome.retried;
    counters.accepted += outcome.accepted.length;
    counters.unknownCodes += outcome.unknownCodes;
    metrics.settlementsIn.inc(outcome.accepted.length);
    if (outcome.retried) metrics.retried.inc(outcome.retried);
    for (const d of outcome.deadLetters) {
      rejected[d.reason] = (rejected[d.reason] ?? 0) + 1;
      metrics.rejected.inc({ reason: d.reason });
    }
    for (const a of outcome.alerts) {
      alertsByKind[a.kind] = (alertsByKind[a.kind] ?? 0) + 1;
      metrics.alerts.inc({ kind: a.kind, severity: a.severity });
    }
    for (const s of outcome.accepted) {
      const ms = Date.parse(s.setl_time);
      if (ms > lastEventMs) {
        lastEventMs = ms;
        lastEventTime = s.setl_time;
      }
    }
    if (outcome.sinkError) {
      counters.sinkFailures += 1;
      log.error({ err: outcome.sinkError, messages: outcome.messages }, 'sink failed; batch nak\'ed for retry');
    }
  }

  const checker = createPrecheck(engine, config.precheck);
  const precheck: Precheck = {
    async check(draft, detectedAt) {
      const r = await checker.check(draft, detectedAt);
      metrics.precheck.inc({ decision: r.ok ? r.answer.decision : 'invalid' });
      return r;
    },
  };

  async function consumerLag(): Promise<readonly ConsumerLag[]> {
    const jsm = await jetstreamManager(deps.nc);
    const read = async (stream: string, consumer: string): Promise<ConsumerLag> => {
      const info = await jsm.consumers.info(stream, consumer);
      return { consumer, pending: info.num_pending, ackPending: info.num_ack_pending };
    };
    return Promise.all([read(config.stream.name, config.consumer.durable), read(config.stream.deadLetterStream, DEAD_LETTER_WRITER)]);
  }
  metrics.setLagSource(consumerLag);

  return {
    precheck,
    metrics,
    consumerLag,
    async start() {
      if (state !== 'idle') throw new Error(`pipeline cannot start from state ${state}`);
      const jsm = await jetstreamManager(deps.nc);
      await ensureTopology(jsm, config.stream, config.consumer);
      rebuild = await rebuildState(engine, deps.clickhouse, persons);
      const codes = await traceCodes.loadFilter();
      log.info({ ...rebuild, traceCodes: codes }, 'state rebuilt from ClickHouse');
      const resumed = await resumeInStreamOrder(jsm, config.stream, config.consumer);
      if (resumed) log.info(resumed, 'messages left unacked by a previous worker: resuming in stream order from the ack floor');
      const batchDeps = {
        traceCodes,
        nc: deps.nc,
        js,
        sink,
        engine,
        deadLetterSubject: config.stream.deadLetterSubject,
        maxDeliver: config.consumer.maxDeliver,
        nakBackoffMs: config.consumer.nakBackoffMs,
        clock,
      };
      worker = createBatchConsumer(
        await js.consumers.get(config.stream.name, config.consumer.durable),
        { batchSize: config.consumer.batchSize, batchWaitMs: config.consumer.batchWaitMs },
        async (msgs) => {
          const t0 = performance.now();
          const outcome = await handleSettlementBatch(msgs, batchDeps);
          account(outcome);
          if (!outcome.sinkError) {
            const ackedAtMs = Date.now();
            for (const m of msgs) metrics.settlementLatency.observe(Math.max(0, ackedAtMs - m.info.timestampNanos / 1e6) / 1000);
          }
          metrics.batchLatency.observe((performance.now() - t0) / 1000);
          log.debug({ messages: msgs.length, alerts: outcome.alerts.length, ms: Math.round(performance.now() - t0) }, 'batch committed');
          deps.onBatch?.(outcome);
        },
        log,
      );
      deadLetterWriter = createBatchConsumer(
        await js.consumers.get(config.stream.deadLetterStream, DEAD_LETTER_WRITER),
        { batchSize: 500, batchWaitMs: 100 },
        async (msgs) => {
          const letters = await handleDeadLetterBatch(msgs, sink, config.consumer.nakBackoffMs);
          counters.deadLettersStored += letters.length;
          if (letters.length) deps.onDeadLetters?.(letters);
        },
        log.child({ component: 'dead-letter-writer' }),
      );
      personWriter = createBatchConsumer(
        await js.consumers.get(config.stream.personStream, PERSON_STATUS_WRITER),
        { batchSize: 1000, batchWaitMs: 20 },
        async (msgs) => {
          const r = await handlePersonStatusBatch(msgs, { js, sink, store: persons, deadLetterSubject: config.stream.deadLetterSubject, nakBackoffMs: config.consumer.nakBackoffMs, clock });
          for (const d of r.rejected) {
            rejected[d.reason] = (rejected[d.reason] ?? 0) + 1;
            metrics.personStatusRejected.inc({ reason: d.reason });
          }
        },
        log.child({ component: 'person-status' }),
      );
      await personWriter.start();
      await worker.start();
      await deadLetterWriter.start();
      state = 'running';
      log.info({ stream: config.stream.name, durable: config.consumer.durable, kinds: engine.kinds }, 'pipeline running');
    },
    async stop() {
      if (state !== 'running') return;
      state = 'stopping';
      await Promise.all([worker?.stop(), deadLetterWriter?.stop(), personWriter?.stop()]);
      await deps.nc.flush();
      state = 'stopped';
      log.info({ ...counters }, 'pipeline stopped');
    },
    status() {
      return {
        state,
        ...counters,
        rejected: { ...rejected },
        alertsByKind: { ...alertsByKind },
        lastEventTime,
        persons: persons.size,
        stateSize: engine.stateSize(),
        traceCodesCached: traceCodes.cached(),
        rebuild,
      };
    },
  };
}
