/**
 * Validation at the edge: every message is checked against the settlement contract (the JSON
 * Schema, compiled once) and the semantic checks a reviewer expects. Nothing downstream re-checks.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import schema from '../contracts/settlement-event.schema.json' with { type: 'json' };
import type { Settlement } from '../contracts/settlement.js';
import { epochMs, parseCalendarDate } from '../time/event-time.js';
import type { RejectReason, Rejection } from './reject-reasons.js';

export type DecodeResult =
  | { readonly ok: true; readonly settlement: Settlement }
  | { readonly ok: false; readonly rejections: readonly Rejection[]; readonly setlId?: string };

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, useDefaults: false });
addFormats.default(ajv, ['date-time', 'date']);
const validateSchema = ajv.compile<Settlement>(schema);

const KEYWORD_REASON: Record<string, RejectReason> = {
  required: 'missing_field',
  type: 'wrong_type',
  enum: 'invalid_value',
  const: 'invalid_value',
  pattern: 'invalid_format',
  format: 'invalid_format',
  minimum: 'out_of_range',
  maximum: 'out_of_range',
  exclusiveMinimum: 'out_of_range',
  exclusiveMaximum: 'out_of_range',
  minLength: 'out_of_range',
  maxLength: 'out_of_range',
  minItems: 'out_of_range',
  maxItems: 'out_of_range',
};

function schemaRejection(e: ErrorObject): Rejection | undefined {
  // `if`/`then` wrappers repeat the inner error; keep the inner one.
  if (e.keyword === 'if') return undefined;
  const where = e.instancePath || '/';
  const field = e.keyword === 'required' ? `${where === '/' ? '' : where}/${String((e.params as { missingProperty: string }).missingProperty)}` : where;
  return { reason: KEYWORD_REASON[e.keyword] ?? 'schema_violation', detail: `${field}: ${e.message ?? e.keyword}` };
}

const cents = (yuan: number): number => Math.round(yuan * 100);

/** Semantic checks on a schema-valid settlement. */
function semanticRejections(s: Settlement): Rejection[] {
  const out: Rejection[] = [];
  if (!parseCalendarDate(s.brdy)) out.push({ reason: 'invalid_date', detail: `/brdy: ${s.brdy} is not a real date` });
  const setlMs = epochMs(s.setl_time);
  for (const field of ['setl_time', 'begntime', 'endtime'] as const) {
    const v = s[field];
    // The schema's date-time format accepts e.g. month 13 on some engines; Date.parse is the arbiter.
    if (v !== undefined && Number.isNaN(epochMs(v))) out.push({ reason: 'invalid_date', detail: `/${field}: ${v} is not a real time` });
  }
  if (s.begntime && s.endtime && epochMs(s.endtime) < epochMs(s.begntime)) {
    out.push({ reason: 'stay_end_before_begin', detail: `/endtime ${s.endtime} is before /begntime ${s.begntime}` });
  }
  if (parseCalendarDate(s.brdy) && !Number.isNaN(setlMs) && Date.parse(`${s.brdy}T00:00:00+08:00`) > setlMs) {
    out.push({ reason: 'birth_after_settlement', detail: `/brdy ${s.brdy} is after /setl_time ${s.setl_time}` });
  }
  if (s.setl_type === 'refund' && s.orig_setl_id === s.setl_id) {
    out.push({ reason: 'invalid_refund', detail: '/orig_setl_id: a refund cannot cancel itself' });
  }
  const seen = new Set<string>();
  let sumCents = 0;
  s.items.forEach((item, i) => {
    if (seen.has(item.feedetl_sn)) out.push({ reason: 'duplicate_feedetl_sn', detail: `/items/${i}/feedetl_sn: ${item.feedetl_sn} repeats` });
    seen.add(item.feedetl_sn);
    const expected = cents(item.cnt * item.pric);
    if (Math.abs(expected - cents(item.det_item_fee_sumamt)) > 1 || Math.abs(item.cnt * item.pric - item.det_item_fee_sumamt) >= 0.01) {
      out.push({
        reason: 'item_fee_mismatch',
        detail: `/items/${i}/det_item_fee_sumamt: ${item.det_item_fee_sumamt} ≠ cnt ${item.cnt} × pric ${item.pric} = ${(expected / 100).toFixed(2)}`,
      });
    }
    sumCents += cents(item.det_item_fee_sumamt);
  });
  if (Math.abs(sumCents - cents(s.medfee_sumamt)) > 1) {
    out.push({ reason: 'total_mismatch', detail: `/medfee_sumamt: ${s.medfee_sumamt} ≠ items' sum ${(sumCents / 100).toFixed(2)}` });
  }
  const paid = cents(s.fund_pay_sumamt ?? 0) + cents(s.psn_cash_pay ?? 0);
  if (paid - cents(s.medfee_sumamt) > 1) {
    out.push({ reason: 'fund_pay_exceeds_total', detail: `/fund_pay_sumamt + /psn_cash_pay = ${(paid / 100).toFixed(2)} > /medfee_sumamt ${s.medfee_sumamt}` });
  }
  return out;
}

/** Validates an already-parsed value. */
export function validateSettlement(value: unknown): DecodeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, rejections: [{ reason: 'not_object', detail: `expected a JSON object, got ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}` }] };
  }
  const setlId = typeof (value as { setl_id?: unknown }).setl_id === 'string' ? (value as { setl_id: string }).setl_id : undefined;
  const withId = <T extends object>(r: T): T & { setlId?: string } => (setlId === undefined ? r : { ...r, setlId });
  if (!validateSchema(value)) {
    const rejections = (validateSchema.errors ?? []).map(schemaRejection).filter((r): r is Rejection => r !== undefined);
    return withId({ ok: false as const, rejections });
  }
  const semantic = semanticRejections(value);
  if (semantic.length) return withId({ ok: false as const, rejections: semantic });
  return { ok: true, settlement: value };
}

/** Parses and validates one message body (UTF-8 JSON). */
export function decodeSettlement(data: Uint8Array | string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (e) {
    return { ok: false, rejections: [{ reason: 'not_json', detail: (e as Error).message }] };
  }
  return validateSettlement(value);
}
