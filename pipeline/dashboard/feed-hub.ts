/**
 * The live feed behind the dashboard: one core-NATS subscription to the alert feed
 * (`yb.alert.>`), fanned out to browsers. Alerts are buffered and flushed every `flushMs`; each
 * browser gets the alerts matching its filter, newest first, at most `maxPerFlush` per flush — the
 * rest of a flood is counted by kind and reported as `dropped`, never rendered one by one.
 * Bounded: at most `maxPending` alerts wait between flushes; beyond, they are counted only, and
 * every browser is told how many (`lost`) at the next flush.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Alert } from '../contracts/alert.js';
import type { Logger } from '../logger.js';
import type { AlertFilter, AlertSummary, FeedBatch } from './api-types.js';
import { matchesFilter } from './alert-filter.js';

export interface FeedHubOptions {
  /** @default "yb.alert.>" */
  subject: string;
  /** @default 250 */
  flushMs: number;
  /** @default 50 */
  maxPerFlush: number;
  /** @default 20000 */
  maxPending: number;
}

export const DEFAULT_FEED_HUB: Readonly<FeedHubOptions> = Object.freeze({ subject: 'yb.alert.>', flushMs: 250, maxPerFlush: 50, maxPending: 20_000 });

export interface FeedClient {
  readonly filter: AlertFilter;
  send(batch: FeedBatch): void;
}

export interface FeedHub {
  readonly options: Readonly<FeedHubOptions>;
  /** Registers a browser; returns its unregister function. */
  add(client: FeedClient): () => void;
  clients(): number;
  close(): Promise<void>;
}

export function summaryOf(a: Alert): AlertSummary {
  return {
    alert_id: a.alert_id,
    kind: a.kind,
    phase: a.phase,
    severity: a.severity,
    score: a.score,
    setl_id: a.setl_id,
    psn_no: a.psn_no,
    fixmedins_code: a.fixmedins_code,
    admdvs: a.admdvs,
    med_list_codg: a.med_list_codg ?? '',
    bilg_dr_codg: a.bilg_dr_codg ?? '',
    amount_at_risk: a.amount_at_risk,
    event_time: a.event_time,
    detected_at: a.detected_at,
    message: a.message,
  };
}

/**
 * One flush for one browser: matching alerts newest first, capped, with the rest counted, and the
 * alerts lost before filtering (`lost`). Undefined when there is nothing to say.
 */
export function batchFor(filter: AlertFilter, pending: readonly AlertSummary[], maxPerFlush: number, lost = 0): FeedBatch | undefined {
  const alerts: AlertSummary[] = [];
  const byKind: FeedBatch['by_kind'] = {};
  let matched = 0;
  for (let i = pending.length - 1; i >= 0; i--) {
    const a = pending[i]!;
    if (!matchesFilter(filter, a)) continue;
    matched += 1;
    byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
    if (alerts.length < maxPerFlush) alerts.push(a);
  }
  return matched || lost ? { alerts, matched, dropped: matched - alerts.length, by_kind: byKind, lost } : undefined;
}

export interface FeedHubCounters {
  /** Alerts aggregated instead of sent, per browser. */
  dropped(n: number): void;
  /** Alerts not buffered because `maxPending` was reached. */
  overflowed(n: number): void;
}

export function startFeedHub(nc: NatsConnection, logger: Logger, options: Partial<FeedHubOptions> = {}, counters?: FeedHubCounters): FeedHub {
  const o = { ...DEFAULT_FEED_HUB, ...options };
  const clients = new Set<FeedClient>();
  let pending: AlertSummary[] = [];
  /** Alerts not buffered since the previous flush (`maxPending` reached): every browser is told. */
  let lost = 0;
  const sub: Subscription = nc.subscribe(o.subject, {
    callback: (err, msg) => {
      if (err) return logger.warn({ err }, 'alert feed subscription error');
      if (!clients.size) return;
      if (pending.length >= o.maxPending) {
        lost += 1;
        return;
      }
      try {
        pending.push(summaryOf(msg.json<Alert>()));
      } catch (err) {
        // The parser's message quotes the payload, which holds personal identifiers: name only.
        logger.warn({ error: (err as Error).name, subject: msg.subject }, 'alert feed message is not an alert record; skipped');
      }
    },
  });
  const timer = setInterval(() => {
    if (!pending.length && !lost) return;
    const flushed = pending;
    const flushedLost = lost;
    pending = [];
    lost = 0;
    if (flushedLost) counters?.overflowed(flushedLost);
    for (const c of clients) {
      const batch = batchFor(c.filter, flushed, o.maxPerFlush, flushedLost);
      if (!batch) continue;
      if (batch.dropped) counters?.dropped(batch.dropped);
      c.send(batch);
    }
  }, o.flushMs);
  timer.unref();
  return {
    options: o,
    add(client) {
      clients.add(client);
      return () => clients.delete(client);
    },
    clients: () => clients.size,
    async close() {
      clearInterval(timer);
      clients.clear();
      await sub.drain().catch(() => undefined);
    },
  };
}
