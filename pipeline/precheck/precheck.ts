/**
 * The pre-event check (事前提醒): a draft settlement judged by the same detectors as the stream,
 * against the state the pipeline holds, changing nothing. One implementation behind both
 * transports (the NATS service `yb.precheck` and `POST /precheck`).
 *
 * Contract (`../shared/contracts/interfaces.md`): the answer is `{ decision, alerts }` with alerts
 * of phase `pre`; `block` when any finding is high severity, `warn` when there are findings,
 * `pass` otherwise. A draft may lack `setl_id`: it is then named `DRAFT-<hash of its content>`, so
 * asking twice gives the same alert ids.
 */
import { createHash } from 'node:crypto';
import type { Alert, Severity } from '../contracts/alert.js';
import type { Settlement } from '../contracts/settlement.js';
import { REJECT_REASONS, type RejectReason } from '../decode/reject-reasons.js';
import { validateSettlement } from '../decode/validate-settlement.js';
import type { DetectionEngine } from '../detectors/engine.js';

export type Decision = 'pass' | 'warn' | 'block';

export interface PrecheckAnswer {
  decision: Decision;
  alerts: Alert[];
}

export interface PrecheckProblem {
  reason: RejectReason;
  detail: string;
  /** The reason in Chinese, for the doctor's or pharmacist's screen. */
  message_zh: string;
}

export type PrecheckResult = { ok: true; answer: PrecheckAnswer } | { ok: false; problems: PrecheckProblem[] };

export interface PrecheckOptions {
  /** Findings at or above this severity block the prescription. @default "high" */
  blockAt: Severity;
}

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2 };

export interface Precheck {
  check(draft: unknown, detectedAt?: Date): Promise<PrecheckResult>;
}

/** Stable JSON (sorted keys), so the same draft always hashes to the same name. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function draftName(draft: object): string {
  return `DRAFT-${createHash('sha256').update(canonical(draft)).digest('hex').slice(0, 20)}`;
}

export function decide(alerts: readonly Alert[], blockAt: Severity): Decision {
  if (alerts.some((a) => RANK[a.severity] >= RANK[blockAt])) return 'block';
  return alerts.length ? 'warn' : 'pass';
}

export function createPrecheck(engine: DetectionEngine, options: PrecheckOptions = { blockAt: 'high' }): Precheck {
  return {
    async check(body, detectedAt = new Date()) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return { ok: false, problems: [{ reason: 'not_object', detail: 'the draft must be a JSON object', message_zh: REJECT_REASONS.not_object }] };
      }
      const given = body as Partial<Settlement>;
      const draft = given.setl_id === undefined ? { ...given, setl_id: draftName(given) } : given;
      const decoded = validateSettlement(draft);
      if (!decoded.ok) {
        return { ok: false, problems: decoded.rejections.map((r) => ({ reason: r.reason, detail: r.detail, message_zh: REJECT_REASONS[r.reason] })) };
      }
      await engine.prepare([decoded.settlement]);
      const { alerts } = engine.evaluate(decoded.settlement, 'pre', { detectedAt });
      return { ok: true, answer: { decision: decide(alerts, options.blockAt), alerts } };
    },
  };
}
