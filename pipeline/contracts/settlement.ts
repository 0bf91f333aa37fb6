/**
 * The settlement event — the input contract (`../shared/contracts/settlement-event.md`).
 * These types describe a message that has passed validation at the edge
 * (`pipeline/decode/validate-settlement.ts`); nothing downstream re-checks shapes.
 */

/** 目录类别: drug, herbal pieces, medical service or test, material. */
export type ListType = '101' | '102' | '201' | '301';

/** 费用明细: one fee line of a settlement. */
export interface SettlementItem {
  feedetl_sn: string;
  med_list_codg: string;
  list_type?: ListType;
  cnt: number;
  /** Unit price, yuan. */
  pric: number;
  /** `cnt × pric`, yuan, to the cent. */
  det_item_fee_sumamt: number;
  /** 周期天数: days of supply this line covers. */
  prd_days?: number;
  bilg_dr_codg?: string;
  /** 药品追溯码: one 20-digit code per package. */
  drug_trac_codg?: string[];
}

export interface Diagnosis {
  diag_code: string;
  diag_name?: string;
}

/** 结算: one settlement with its fee details. */
export interface Settlement {
  setl_id: string;
  setl_type?: 'sale' | 'refund';
  orig_setl_id?: string;
  mdtrt_id: string;
  psn_no: string;
  gend?: '0' | '1' | '2' | '9';
  /** 出生日期, `YYYY-MM-DD`. */
  brdy: string;
  insutype?: string;
  admdvs: string;
  fixmedins_code: string;
  fixmedins_type?: '1' | '2';
  med_type: string;
  /** ISO 8601 with offset. Event time: every window is computed from it. */
  setl_time: string;
  begntime?: string;
  endtime?: string;
  diag?: Diagnosis[];
  medfee_sumamt: number;
  fund_pay_sumamt?: number;
  psn_cash_pay?: number;
  items: SettlementItem[];
}

/** Person status reference data: a death notified by the civil registry. */
export interface PersonStatus {
  psn_no: string;
  /** `YYYY-MM-DD`. */
  death_date: string;
}

/** 医疗类别 2x is inpatient (`"21"` 普通住院 and the other 2x types). */
export function isInpatient(medType: string): boolean {
  return medType.startsWith('2');
}

/** 医疗类别 `"14"`: chronic or special outpatient (门诊慢特病). */
export function isChronicOutpatient(medType: string): boolean {
  return medType === '14';
}
