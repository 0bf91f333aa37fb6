/**
 * Reviews (疑点复核): validates a reviewer's decision and appends it to ClickHouse `alert_reviews`
 * with who and when, copying the alert's kind, facility, doctor and region in so that confirmed
 * findings are queryable as labels (`v_alert_labels`). Never updates a row.
 */
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { runQuery } from '../infra/sql-queries.js';
import { REVIEW_DECISIONS, type ApiProblem, type Review, type ReviewDecision, type ReviewRequest } from './api-types.js';

export const MAX_NOTE_CHARS = 2000;
export const MAX_REVIEWER_CHARS = 64;

export type ReviewOutcome = { ok: true; review: Review } | { ok: false; status: 400 | 404; problems: ApiProblem[] };

/** Every problem of a review request at once. With `authUser`, the reviewer may be omitted. */
export function reviewProblems(body: unknown, authUser: string | null): ApiProblem[] {
  const problems: ApiProblem[] = [];
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return [{ field: '', detail: 'the body must be a JSON object {decision, note, reviewer}', message_zh: '请求体须为 JSON 对象' }];
  }
  const b = body as Partial<Record<keyof ReviewRequest, unknown>>;
  if (!REVIEW_DECISIONS.includes(b.decision as ReviewDecision)) {
    problems.push({ field: 'decision', detail: `decision must be one of ${REVIEW_DECISIONS.join(', ')}`, message_zh: '请选择复核结论：确认违规或排除' });
  }
  if (b.note !== undefined && typeof b.note !== 'string') problems.push({ field: 'note', detail: 'note must be a string', message_zh: '复核意见须为文本' });
  else if (typeof b.note === 'string' && b.note.length > MAX_NOTE_CHARS) {
    problems.push({ field: 'note', detail: `note is longer than ${MAX_NOTE_CHARS} characters`, message_zh: `复核意见不能超过 ${MAX_NOTE_CHARS} 字` });
  }
  const reviewer = typeof b.reviewer === 'string' ? b.reviewer.trim() : '';
  if (b.reviewer !== undefined && typeof b.reviewer !== 'string') problems.push({ field: 'reviewer', detail: 'reviewer must be a string', message_zh: '复核人须为文本' });
  else if (!authUser && !reviewer) problems.push({ field: 'reviewer', detail: 'reviewer is required (who decided)', message_zh: '请填写复核人' });
  else if (reviewer.length > MAX_REVIEWER_CHARS) {
    problems.push({ field: 'reviewer', detail: `reviewer is longer than ${MAX_REVIEWER_CHARS} characters`, message_zh: `复核人不能超过 ${MAX_REVIEWER_CHARS} 字` });
  }
  return problems;
}

export interface ReviewStore {
  record(alertId: string, body: unknown, authUser: string | null): Promise<ReviewOutcome>;
}

export function createReviewStore(client: ClickHouseClient, clock: () => Date = () => new Date()): ReviewStore {
  return {
    async record(alertId, body, authUser) {
      const problems = reviewProblems(body, authUser);
      if (problems.length) return { ok: false, status: 400, problems };
      const [alert] = await runQuery<Record<string, string>>(client, 'alert_by_id', { alert_id: alertId });
      if (!alert) return { ok: false, status: 404, problems: [{ field: 'alert_id', detail: `no alert ${alertId}`, message_zh: '未找到该告警' }] };
      const req = body as ReviewRequest;
      const now = clock();
      const review: Review = {
        review_id: randomUUID(),
        alert_id: alertId,
        decision: req.decision,
        note: req.note ?? '',
        reviewer: req.reviewer?.trim() || authUser!,
        reviewed_at: now.toISOString(),
      };
      await client.insert({
        table: 'alert_reviews',
        format: 'JSONEachRow',
        values: [
          {
            ...review,
            reviewed_at: now.getTime(),
            auth_user: authUser ?? '',
            kind: alert.kind,
            severity: alert.severity,
            setl_id: alert.setl_id,
            fixmedins_code: alert.fixmedins_code,
            bilg_dr_codg: alert.bilg_dr_codg,
            admdvs: alert.admdvs,
            event_time: alert.event_time,
            amount_at_risk: Number(alert.amount_at_risk),
          },
        ],
      });
      return { ok: true, review };
    },
  };
}
