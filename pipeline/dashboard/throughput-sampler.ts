/**
 * Samples the worker once a second (wall clock): settlements and alerts per second from the
 * pipeline's counters, consumer lag from JetStream, dead letters stored. Keeps the last
 * `keep` samples for the overview chart and hands each sample to listeners (the live feed's
 * `stats` event). Bounded: a ring of `keep` samples.
 */
import type { FeedStats } from './api-types.js';

export interface SamplerSource {
  /** Cumulative settlements committed. */
  settlements(): number;
  /** Cumulative alerts raised. */
  alerts(): number;
  deadLetters(): number;
  /** Messages waiting for the detector consumer; rejects when JetStream cannot say. */
  lag(): Promise<number>;
}

export interface ThroughputSampler {
  samples(): readonly FeedStats[];
  onSample(listener: (s: FeedStats) => void): () => void;
  stop(): void;
}

export function startThroughputSampler(source: SamplerSource, options: { intervalMs?: number; keep?: number } = {}): ThroughputSampler {
  const intervalMs = options.intervalMs ?? 1000;
  const keep = options.keep ?? 600;
  const ring: FeedStats[] = [];
  const listeners = new Set<(s: FeedStats) => void>();
  let last = { t: Date.now(), settlements: source.settlements(), alerts: source.alerts() };
  let lastLag = 0;
  let busy = false;

  async function tick(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      lastLag = await source.lag().catch(() => lastLag);
      const now = { t: Date.now(), settlements: source.settlements(), alerts: source.alerts() };
      const seconds = Math.max(1e-3, (now.t - last.t) / 1000);
      const sample: FeedStats = {
        t: now.t,
        settlements_per_s: Math.round((now.settlements - last.settlements) / seconds),
        alerts_per_s: Math.round((now.alerts - last.alerts) / seconds),
        lag: lastLag,
        dead_letters: source.deadLetters(),
      };
      last = now;
      ring.push(sample);
      if (ring.length > keep) ring.splice(0, ring.length - keep);
      for (const l of listeners) l(sample);
    } finally {
      busy = false;
    }
  }

  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return {
    samples: () => ring,
    onSample(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      clearInterval(timer);
      listeners.clear();
    },
  };
}
