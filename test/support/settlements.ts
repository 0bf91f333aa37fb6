/** Hand-made settlements for tests: a valid one, and malformed variants with the reason each must get. */
import type { Settlement } from '../../pipeline/contracts/settlement.js';
import type { RejectReason } from '../../pipeline/decode/reject-reasons.js';

export function goodSettlement(n: number, over: Partial<Settlement> = {}): Settlement {
  return {
    setl_id: `T-SETL-${n}`,
    mdtrt_id: `T-MDT-${n}`,
    psn_no: `T-PSN-${n % 7}`,
    gend: '1',
    brdy: '1970-05-06',
    insutype: '310',
    admdvs: '110105',
    fixmedins_code: 'H11010500001',
    fixmedins_type: '1',
    med_type: '11',
    setl_time: `2026-11-02T09:${String(n % 60).padStart(2, '0')}:00+08:00`,
    diag: [{ diag_code: 'I10.x00', diag_name: '高血压' }],
    medfee_sumamt: 35.5,
    fund_pay_sumamt: 25,
    psn_cash_pay: 10.5,
    items: [
      { feedetl_sn: '1', med_list_codg: '001102000010000', list_type: '201', cnt: 1, pric: 10, det_item_fee_sumamt: 10 },
      { feedetl_sn: '2', med_list_codg: 'XC08CAA001A001010101234', list_type: '101', cnt: 3, pric: 8.5, det_item_fee_sumamt: 25.5, prd_days: 21 },
    ],
    ...over,
  };
}

type Mutator = (s: Record<string, unknown> & Settlement) => unknown;

/** At least twenty kinds of malformed message, each with the primary reason it must be rejected for. */
export const MALFORMED: ReadonlyArray<{ name: string; reason: RejectReason; raw?: string; mutate?: Mutator }> = [
  { name: 'not JSON', reason: 'not_json', raw: '{"setl_id": "X", items: [' },
  { name: 'truncated JSON', reason: 'not_json', raw: '{"setl_id":"T-TRUNC"' },
  { name: 'JSON array', reason: 'not_object', raw: '[1,2,3]' },
  { name: 'JSON string', reason: 'not_object', raw: '"a settlement"' },
  { name: 'JSON null', reason: 'not_object', raw: 'null' },
  { name: 'missing setl_id', reason: 'missing_field', mutate: (s) => { delete (s as Partial<Settlement>).setl_id; return s; } },
  { name: 'missing items', reason: 'missing_field', mutate: (s) => { delete (s as Partial<Settlement>).items; return s; } },
  { name: 'missing psn_no', reason: 'missing_field', mutate: (s) => { delete (s as Partial<Settlement>).psn_no; return s; } },
  { name: 'item missing pric', reason: 'missing_field', mutate: (s) => { delete (s.items[0] as Partial<Settlement['items'][0]>).pric; return s; } },
  { name: 'refund without orig_setl_id', reason: 'missing_field', mutate: (s) => ({ ...s, setl_type: 'refund' }) },
  { name: 'medfee_sumamt as string', reason: 'wrong_type', mutate: (s) => ({ ...s, medfee_sumamt: '35.5' }) },
  { name: 'items not an array', reason: 'wrong_type', mutate: (s) => ({ ...s, items: { a: 1 } }) },
  { name: 'cnt as string', reason: 'wrong_type', mutate: (s) => { (s.items[1] as unknown as Record<string, unknown>).cnt = '3'; return s; } },
  { name: 'unknown gend', reason: 'invalid_value', mutate: (s) => ({ ...s, gend: 'M' }) },
  { name: 'unknown list_type', reason: 'invalid_value', mutate: (s) => { (s.items[0] as unknown as Record<string, unknown>).list_type = '999'; return s; } },
  { name: 'admdvs not 6 digits', reason: 'invalid_format', mutate: (s) => ({ ...s, admdvs: '1101' }) },
  { name: 'setl_time without offset', reason: 'invalid_format', mutate: (s) => ({ ...s, setl_time: '2026-11-02 09:00:00' }) },
  { name: 'trace code not 20 digits', reason: 'invalid_format', mutate: (s) => { s.items[1]!.drug_trac_codg = ['12345']; return s; } },
  { name: 'negative price', reason: 'out_of_range', mutate: (s) => { s.items[0]!.pric = -10; s.items[0]!.det_item_fee_sumamt = 0; return s; } },
  { name: 'zero quantity', reason: 'out_of_range', mutate: (s) => { s.items[0]!.cnt = 0; return s; } },
  { name: 'empty items', reason: 'out_of_range', mutate: (s) => ({ ...s, items: [] }) },
  { name: 'empty setl_id', reason: 'out_of_range', mutate: (s) => ({ ...s, setl_id: '' }) },
  { name: 'birth date 2月30日', reason: 'invalid_date', mutate: (s) => ({ ...s, brdy: '1970-02-30' }) },
  { name: 'item fee not cnt × pric', reason: 'item_fee_mismatch', mutate: (s) => { s.items[1]!.det_item_fee_sumamt = 30; s.medfee_sumamt = 40; s.fund_pay_sumamt = 30; return s; } },
  { name: 'total not the items sum', reason: 'total_mismatch', mutate: (s) => ({ ...s, medfee_sumamt: 99.99 }) },
  { name: 'fund pay above total', reason: 'fund_pay_exceeds_total', mutate: (s) => ({ ...s, fund_pay_sumamt: 40 }) },
  { name: 'discharge before admission', reason: 'stay_end_before_begin', mutate: (s) => ({ ...s, med_type: '21', begntime: '2026-11-02T09:00:00+08:00', endtime: '2026-10-30T09:00:00+08:00' }) },
  { name: 'duplicate feedetl_sn', reason: 'duplicate_feedetl_sn', mutate: (s) => { s.items[1]!.feedetl_sn = '1'; return s; } },
  { name: 'born after the settlement', reason: 'birth_after_settlement', mutate: (s) => ({ ...s, brdy: '2027-01-01' }) },
  { name: 'refund of itself', reason: 'invalid_refund', mutate: (s) => ({ ...s, setl_type: 'refund', orig_setl_id: s.setl_id }) },
];

/** The raw line of malformed case `i` (its setl_id unique per case where it has one). */
export function malformedLine(i: number): string {
  const c = MALFORMED[i]!;
  if (c.raw !== undefined) return c.raw;
  const s = goodSettlement(10_000 + i) as Record<string, unknown> & Settlement;
  return JSON.stringify(c.mutate!(structuredClone(s)));
}

/** Drugs and tests of the golden and default catalogues with a restriction the tests rely on. */
export const HBA1C = '002503020030000';
export const FEMALE_ONLY_DRUG = 'ZD03AAA0043010100166';

/** A settlement of one person in Nanjing with the given items, the total summed from them. */
export function settlementWith(id: string, over: Partial<Settlement> & Pick<Settlement, 'items'>): Settlement {
  const total = Math.round(over.items.reduce((a, i) => a + i.det_item_fee_sumamt, 0) * 100) / 100;
  return {
    setl_id: id,
    mdtrt_id: `M-${id}`,
    psn_no: 'PSN-TEST-1',
    gend: '2',
    brdy: '1970-03-04',
    admdvs: '320102',
    fixmedins_code: 'H32010200011',
    fixmedins_type: '1',
    med_type: '11',
    setl_time: '2026-11-02T09:00:00+08:00',
    diag: [{ diag_code: 'E11.900' }],
    medfee_sumamt: total,
    ...over,
  };
}

/** An HbA1c test line (rx.test_frequency on a second one within the interval). */
export const hba1c = (sn: string, doctor = 'D-TEST-7') => ({ feedetl_sn: sn, med_list_codg: HBA1C, list_type: '201' as const, cnt: 1, pric: 50, det_item_fee_sumamt: 50, bilg_dr_codg: doctor });
/** A women-only drug line (rx.gender_restricted for a man). */
export const femaleOnly = (sn: string, doctor = 'D-TEST-9') => ({ feedetl_sn: sn, med_list_codg: FEMALE_ONLY_DRUG, list_type: '101' as const, cnt: 1, pric: 30, det_item_fee_sumamt: 30, prd_days: 10, bilg_dr_codg: doctor });
