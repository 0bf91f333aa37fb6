/**
 * The detection engine: runs every enabled detector over a settlement, turns findings into alert
 * records, and folds settlements into detector state. The same engine serves the stream (phase
 * `in`), drafts (phase `pre`: checked, never recorded) and the rebuild of state at start-up.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Alert, AlertKind, Phase } from '../contracts/alert.js';
import type { Settlement } from '../contracts/settlement.js';
import type { HistorySize } from '../state/history.js';
import { alertId } from './alert-id.js';
import type { Detector, DetectorContext } from './detector.js';
import { deriveFacts, type SettlementFacts } from './settlement-facts.js';

/** Version of the rule library; bump when any rule's semantics change. Goes into `alerts.detector`. */
export const RULES_DETECTOR = 'rules@1';

/** Settlements recorded between two evictions of old state. */
const EVICT_EVERY = 5000;

export interface Evaluation {
  readonly alerts: Alert[];
  readonly facts: SettlementFacts;
}

export interface EvaluateOptions {
  /** Stream sequence (phase `in`). @default the next of an internal counter; drafts: +∞ */
  seq?: number;
  /** Wall clock of detection. @default now */
  detectedAt?: Date;
}

export interface DetectionEngine {
  readonly kinds: readonly AlertKind[];
  /** Longest event-time lookback of any detector: what a rebuild must read from history. */
  readonly lookbackMs: number;
  /** Loads from shared stores what a batch's checks will read. */
  prepare(settlements: readonly Settlement[]): Promise<void>;
  /** Checks a settlement and, for phase `in`, records it into detector state. */
  evaluate(settlement: Settlement, phase: Phase, options?: EvaluateOptions): Evaluation;
  /**
   * Records a historical settlement into state without checking it (rebuild at start-up). With
   * `latestMs` (the newest event time in history), each kind records it only if it lies within
   * that kind's own `lookbackMs`: a kind with a 37-day window does not replay a year for another.
   */
  rebuild(settlement: Settlement, seq: number, latestMs?: number): void;
  /** Latest event time recorded (ms), the watermark that eviction is measured from. */
  watermarkMs(): number;
  /** State held per stateful kind. */
  stateSize(): Partial<Record<AlertKind, HistorySize>>;
}

export function createDetectionEngine(detectors: readonly Detector[], catalogue: Catalogue): DetectionEngine {
  let counter = 0;
  let watermark = Number.NEGATIVE_INFINITY;
  let sinceEvict = 0;
  const stateful = detectors.filter((d) => d.record);

  /** Records into every stateful kind, or (rebuild) only those whose lookback of `latestMs` covers the settlement. */
  function record(ctx: DetectorContext, latestMs?: number): void {
    for (const d of stateful) {
      // Older than the kind's lookback: it would be evicted before any check reads it.
      if (latestMs !== undefined && ctx.facts.eventMs < latestMs - (d.lookbackMs ?? 0)) continue;
      d.record!(ctx);
    }
    if (ctx.facts.eventMs > watermark) watermark = ctx.facts.eventMs;
    if (++sinceEvict >= EVICT_EVERY) {
      sinceEvict = 0;
      for (const d of stateful) d.evict?.(watermark);
    }
  }

  return {
    kinds: detectors.map((d) => d.kind),
    lookbackMs: Math.max(0, ...detectors.map((d) => d.lookbackMs ?? 0)),
    async prepare(settlements) {
      for (const d of detectors) await d.prepare?.(settlements);
    },
    evaluate(settlement, phase, options = {}) {
      const seq = options.seq ?? (phase === 'in' ? ++counter : Number.POSITIVE_INFINITY);
      if (phase === 'in' && seq > counter) counter = seq;
      const facts = deriveFacts(settlement, catalogue);
      const ctx: DetectorContext = { settlement, facts, catalogue, phase, seq, rebuilding: false };
      const alerts: Alert[] = [];
      // A refund raises no alert of its own; it only undoes history (stateful kinds).
      if (!facts.isRefund) {
        const at = (options.detectedAt ?? new Date()).toISOString();
        for (const detector of detectors) {
          for (const f of detector.check(ctx)) {
            const alert: Alert = {
              alert_id: alertId(phase, detector.kind, settlement.setl_id, f.key),
              kind: detector.kind,
              phase,
              severity: f.severity,
              score: Math.round(f.score * 1e4) / 1e4,
              setl_id: settlement.setl_id,
              psn_no: settlement.psn_no,
              fixmedins_code: settlement.fixmedins_code,
              admdvs: settlement.admdvs,
              amount_at_risk: Math.round(f.amountAtRisk * 100) / 100,
              event_time: settlement.setl_time,
              detected_at: at,
              detector: RULES_DETECTOR,
              evidence: f.evidence,
              message: f.message,
            };
            if (f.item) {
              alert.med_list_codg = f.item.med_list_codg;
              alert.feedetl_sn = f.item.feedetl_sn;
              if (f.item.bilg_dr_codg) alert.bilg_dr_codg = f.item.bilg_dr_codg;
            }
            alerts.push(alert);
          }
        }
      }
      if (phase === 'in') record(ctx);
      return { alerts, facts };
    },
    rebuild(settlement, seq, latestMs) {
      if (seq > counter) counter = seq;
      record({ settlement, facts: deriveFacts(settlement, catalogue), catalogue, phase: 'in', seq, rebuilding: true, ...(latestMs !== undefined ? { latestMs } : {}) }, latestMs);
    },
    watermarkMs: () => watermark,
    stateSize() {
      const out: Partial<Record<AlertKind, HistorySize>> = {};
      for (const d of stateful) if (d.stateSize) out[d.kind] = d.stateSize();
      return out;
    },
  };
}
