/**
 * Metrics for ops, scraped from `GET /metrics` (Prometheus text format, prom-client). One table,
 * {@link METRIC_DEFINITIONS}, names every metric, its type, labels and help; the README's metric
 * table is generated from it (`npm run docs`) and a test keeps it current.
 *
 * Lifetime: one {@link Metrics} per process (each runtime creates its own registry, never the
 * global one, so two runtimes in one test process do not collide). The pipeline and the sink
 * record into it; the consumer-lag gauge asks JetStream when scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric this process exports (besides prom-client's default process metrics). */
export const METRIC_DEFINITIONS = [
  { name: 'yb_settlements_in_total', type: 'counter', labels: [], help: 'Settlements accepted and committed (acked after the sinks) by this worker; one redelivered after a crash counts again.' },
  { name: 'yb_settlements_rejected_total', type: 'counter', labels: ['reason'], help: 'Settlement messages sent to the dead-letter path, by reject reason (see the README reason table).' },
  { name: 'yb_person_status_rejected_total', type: 'counter', labels: ['reason'], help: 'Person-status messages (deaths) sent to the dead-letter path, by reject reason.' },
  { name: 'yb_alerts_total', type: 'counter', labels: ['kind', 'severity'], help: 'Alerts raised in the stream (事中), by kind and severity.' },
  { name: 'yb_settlement_processing_seconds', type: 'histogram', labels: [], help: 'Per settlement: from its arrival in JetStream to its ack after every sink took the batch (end-to-end latency).' },
  { name: 'yb_batch_processing_seconds', type: 'histogram', labels: [], help: 'Per batch: decode, detect, write the sinks and ack.' },
  { name: 'yb_consumer_lag_messages', type: 'gauge', labels: ['consumer'], help: 'Messages not yet delivered to the consumer (num_pending), read from JetStream at scrape time.' },
  { name: 'yb_consumer_ack_pending_messages', type: 'gauge', labels: ['consumer'], help: 'Messages delivered but not yet acked (num_ack_pending), read at scrape time.' },
  { name: 'yb_sink_batch_rows', type: 'histogram', labels: ['table'], help: 'Rows per ClickHouse insert, by table.' },
  { name: 'yb_sink_failures_total', type: 'counter', labels: ['table'], help: 'Failed ClickHouse inserts, by table (the batch is nak\'ed and retried).' },
  { name: 'yb_messages_retried_total', type: 'counter', labels: [], help: 'Settlement messages nak\'ed for a retry (processing error or sink failure).' },
  { name: 'yb_precheck_requests_total', type: 'counter', labels: ['decision'], help: 'Pre-event checks answered, by decision (pass, warn, block, invalid).' },
  { name: 'yb_dashboard_clients', type: 'gauge', labels: [], help: 'Browsers connected to the live feed.' },
  { name: 'yb_feed_alerts_dropped_total', type: 'counter', labels: [], help: 'Live-feed alerts counted instead of sent to a browser (per browser): aggregated during a flood, or skipped while that browser\'s connection is backed up.' },
  { name: 'yb_feed_alerts_overflowed_total', type: 'counter', labels: [], help: 'Live-feed alerts the dashboard could not buffer between two flushes (a flood beyond its bound); browsers are told how many.' },
] as const;

export type MetricName = (typeof METRIC_DEFINITIONS)[number]['name'];

/** Prefix of prom-client's default process metrics in this registry. */
export const DEFAULT_METRICS_PREFIX = 'yb_';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const ROW_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000];

function def(name: MetricName): { name: string; help: string; labelNames: string[] } {
  const d = METRIC_DEFINITIONS.find((m) => m.name === name)!;
  return { name: d.name, help: d.help, labelNames: [...d.labels] };
}

export interface ConsumerLag {
  readonly consumer: string;
  readonly pending: number;
  readonly ackPending: number;
}

export interface Metrics {
  readonly registry: Registry;
  readonly settlementsIn: Counter<string>;
  readonly rejected: Counter<'reason'>;
  readonly personStatusRejected: Counter<'reason'>;
  readonly alerts: Counter<'kind' | 'severity'>;
  readonly settlementLatency: Histogram<string>;
  readonly batchLatency: Histogram<string>;
  readonly sinkRows: Histogram<'table'>;
  readonly sinkFailures: Counter<'table'>;
  readonly retried: Counter<string>;
  readonly precheck: Counter<'decision'>;
  readonly dashboardClients: Gauge<string>;
  readonly feedDropped: Counter<string>;
  readonly feedOverflowed: Counter<string>;
  /** Sets where the lag gauges read from (the pipeline, once its consumers exist). */
  setLagSource(source: () => Promise<readonly ConsumerLag[]>): void;
  /** The Prometheus text exposition. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: DEFAULT_METRICS_PREFIX });
  let lagSource: (() => Promise<readonly ConsumerLag[]>) | undefined;
  let lagRead: Promise<readonly ConsumerLag[]> | undefined;
  /** One JetStream read per scrape serves both lag gauges. */
  const readLag = (): Promise<readonly ConsumerLag[]> =>
    (lagRead ??= (lagSource?.() ?? Promise.resolve([])).catch(() => [] as ConsumerLag[]).finally(() => setTimeout(() => (lagRead = undefined), 0)));
  const lag = new Gauge({
    ...def('yb_consumer_lag_messages'),
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of await readLag()) this.set({ consumer: l.consumer }, l.pending);
    },
  });
  const ackPending = new Gauge({
    ...def('yb_consumer_ack_pending_messages'),
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of await readLag()) this.set({ consumer: l.consumer }, l.ackPending);
    },
  });
  void lag;
  void ackPending;
  return {
    registry,
    settlementsIn: new Counter({ ...def('yb_settlements_in_total'), registers: [registry] }),
    rejected: new Counter({ ...def('yb_settlements_rejected_total'), registers: [registry] }) as Counter<'reason'>,
    personStatusRejected: new Counter({ ...def('yb_person_status_rejected_total'), registers: [registry] }) as Counter<'reason'>,
    alerts: new Counter({ ...def('yb_alerts_total'), registers: [registry] }) as Counter<'kind' | 'severity'>,
    settlementLatency: new Histogram({ ...def('yb_settlement_processing_seconds'), buckets: SECONDS_BUCKETS, registers: [registry] }),
    batchLatency: new Histogram({ ...def('yb_batch_processing_seconds'), buckets: SECONDS_BUCKETS, registers: [registry] }),
    sinkRows: new Histogram({ ...def('yb_sink_batch_rows'), buckets: ROW_BUCKETS, registers: [registry] }) as Histogram<'table'>,
    sinkFailures: new Counter({ ...def('yb_sink_failures_total'), registers: [registry] }) as Counter<'table'>,
    retried: new Counter({ ...def('yb_messages_retried_total'), registers: [registry] }),
    precheck: new Counter({ ...def('yb_precheck_requests_total'), registers: [registry] }) as Counter<'decision'>,
    dashboardClients: new Gauge({ ...def('yb_dashboard_clients'), registers: [registry] }),
    feedDropped: new Counter({ ...def('yb_feed_alerts_dropped_total'), registers: [registry] }),
    feedOverflowed: new Counter({ ...def('yb_feed_alerts_overflowed_total'), registers: [registry] }),
    setLagSource(source) {
      lagSource = source;
    },
    scrape: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
