import { describe, expect, it } from 'vitest';
import { decodeSettlement } from '../pipeline/decode/validate-settlement.js';
import { REJECT_REASONS } from '../pipeline/decode/reject-reasons.js';
import { goodSettlement, MALFORMED, malformedLine } from './support/settlements.js';

describe('validation at the edge', () => {
  it('accepts a valid settlement', () => {
    const r = decodeSettlement(JSON.stringify(goodSettlement(1)));
    expect(r.ok).toBe(true);
  });

  it('has at least twenty kinds of malformed message in the corpus', () => {
    expect(MALFORMED.length).toBeGreaterThanOrEqual(20);
    expect(new Set(MALFORMED.map((m) => m.reason)).size).toBeGreaterThanOrEqual(15);
  });

  it.each(MALFORMED.map((m, i) => [m.name, m.reason, i] as const))('rejects %s as %s', (_name, reason, i) => {
    const r = decodeSettlement(malformedLine(i));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rejections.map((x) => x.reason)).toContain(reason);
    for (const x of r.rejections) {
      expect(REJECT_REASONS[x.reason]).toMatch(/[\u4e00-\u9fff]/);
      expect(x.detail.length).toBeGreaterThan(0);
    }
  });

  it('keeps the setl_id of a rejected message when it has one', () => {
    const r = decodeSettlement(JSON.stringify({ ...goodSettlement(7), medfee_sumamt: 1 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.setlId).toBe('T-SETL-7');
  });

  it('accepts sums that agree to the cent despite floating point', () => {
    const s = goodSettlement(3);
    s.items = [{ feedetl_sn: '1', med_list_codg: 'X', list_type: '101', cnt: 3, pric: 0.1, det_item_fee_sumamt: 0.3 }];
    s.medfee_sumamt = 0.3;
    s.fund_pay_sumamt = 0.2;
    s.psn_cash_pay = 0.1;
    expect(decodeSettlement(JSON.stringify(s)).ok).toBe(true);
  });

  it('reports every problem of a message, not just the first', () => {
    const s = { ...goodSettlement(4), gend: 'X', admdvs: '12' } as unknown;
    const r = decodeSettlement(JSON.stringify(s));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rejections.length).toBeGreaterThanOrEqual(2);
  });
});
