/**
 * The detection engine: runs every enabled detector over a settlement and turns findings into
 * alert records. The same engine serves the stream (phase `in`) and drafts (phase `pre`).
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Alert, AlertKind, Phase } from '../contracts/alert.js';
import type { Settlement } from '../contracts/settlement.js';
import { alertId } from './alert-id.js';
import type { Detector, DetectorContext } from './detector.js';
import { deriveFacts, type SettlementFacts } from './settlement-facts.js';

/** Version of the rule library; bump when any rule's semantics change. Goes into `alerts.detector`. */
export const RULES_DETECTOR = 'rules@1';

export interface Evaluation {
  readonly alerts: Alert[];
  readonly facts: SettlementFacts;
}

export interface DetectionEngine {
  readonly kinds: readonly AlertKind[];
  /** Checks a settlement and, for phase `in`, records it into detector state. */
  evaluate(settlement: Settlement, phase: Phase, detectedAt?: Date): Evaluation;
}

export function createDetectionEngine(detectors: readonly Detector[], catalogue: Catalogue): DetectionEngine {
  return {
    kinds: detectors.map((d) => d.kind),
    evaluate(settlement, phase, detectedAt = new Date()) {
      const facts = deriveFacts(settlement, catalogue);
      const ctx: DetectorContext = { settlement, facts, catalogue, phase };
      const alerts: Alert[] = [];
      // A refund raises no alert of its own; it only undoes history (stateful kinds).
      if (!facts.isRefund) {
        const at = detectedAt.toISOString();
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
      if (phase === 'in') for (const detector of detectors) detector.record?.(ctx);
      return { alerts, facts };
    },
  };
}
