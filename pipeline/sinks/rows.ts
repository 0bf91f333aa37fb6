/**
 * Row shapes of the ClickHouse tables (`sql/`), and the mapping from contract records to rows.
 * Absent optional strings become `''`; times are inserted as ISO text or epoch milliseconds.
 */
import type { Alert } from '../contracts/alert.js';
import type { Settlement, SettlementItem } from '../contracts/settlement.js';
import type { DeadLetter } from './dead-letter.js';

export interface SettlementRow {
  setl_id: string;
  setl_type: string;
  orig_setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  gend: string;
  brdy: string;
  insutype: string;
  admdvs: string;
  fixmedins_code: string;
  fixmedins_type: string;
  med_type: string;
  setl_time: string;
  begntime: string | null;
  endtime: string | null;
  diag_codes: string[];
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  psn_cash_pay: number;
  item_count: number;
  stream_seq: number;
  ingested_at: number;
}

export interface ItemRow {
  setl_id: string;
  feedetl_sn: string;
  setl_type: string;
  psn_no: string;
  admdvs: string;
  fixmedins_code: string;
  med_type: string;
  setl_time: string;
  med_list_codg: string;
  list_type: string;
  cnt: number;
  pric: number;
  det_item_fee_sumamt: number;
  prd_days: number | null;
  bilg_dr_codg: string;
  drug_trac_codg: string[];
}

export type AlertRow = Omit<Alert, 'evidence' | 'med_list_codg' | 'feedetl_sn' | 'bilg_dr_codg'> & {
  med_list_codg: string;
  feedetl_sn: string;
  bilg_dr_codg: string;
  evidence: string;
};

export function settlementRow(s: Settlement, streamSeq: number, ingestedAtMs: number): SettlementRow {
  return {
    setl_id: s.setl_id,
    setl_type: s.setl_type ?? 'sale',
    orig_setl_id: s.orig_setl_id ?? '',
    mdtrt_id: s.mdtrt_id,
    psn_no: s.psn_no,
    gend: s.gend ?? '',
    brdy: s.brdy,
    insutype: s.insutype ?? '',
    admdvs: s.admdvs,
    fixmedins_code: s.fixmedins_code,
    fixmedins_type: s.fixmedins_type ?? '',
    med_type: s.med_type,
    setl_time: s.setl_time,
    begntime: s.begntime ?? null,
    endtime: s.endtime ?? null,
    diag_codes: (s.diag ?? []).map((d) => d.diag_code),
    medfee_sumamt: s.medfee_sumamt,
    fund_pay_sumamt: s.fund_pay_sumamt ?? 0,
    psn_cash_pay: s.psn_cash_pay ?? 0,
    item_count: s.items.length,
    stream_seq: streamSeq,
    ingested_at: ingestedAtMs,
  };
}

export function itemRows(s: Settlement): ItemRow[] {
  return s.items.map((i) => ({
    setl_id: s.setl_id,
    feedetl_sn: i.feedetl_sn,
    setl_type: s.setl_type ?? 'sale',
    psn_no: s.psn_no,
    admdvs: s.admdvs,
    fixmedins_code: s.fixmedins_code,
    med_type: s.med_type,
    setl_time: s.setl_time,
    med_list_codg: i.med_list_codg,
    list_type: i.list_type ?? '',
    cnt: i.cnt,
    pric: i.pric,
    det_item_fee_sumamt: i.det_item_fee_sumamt,
    prd_days: i.prd_days ?? null,
    bilg_dr_codg: i.bilg_dr_codg ?? '',
    drug_trac_codg: i.drug_trac_codg ?? [],
  }));
}

export function alertRow(a: Alert): AlertRow {
  return {
    ...a,
    med_list_codg: a.med_list_codg ?? '',
    feedetl_sn: a.feedetl_sn ?? '',
    bilg_dr_codg: a.bilg_dr_codg ?? '',
    evidence: JSON.stringify(a.evidence),
  };
}

/** `YYYY-MM-DD hh:mm:ss.sss` as ClickHouse prints a DateTime64 → ISO 8601 with the column's offset. */
export function isoFromClickHouse(text: string, offset: '+08:00' | 'Z'): string {
  return /^\d{4}-\d{2}-\d{2} /.test(text) ? `${text.replace(' ', 'T')}${offset}` : text;
}

/** An alert read back from ClickHouse as the contract record (empty optional fields dropped). */
export function alertFromRow(row: Record<string, unknown>): Alert {
  const { evidence, med_list_codg, feedetl_sn, bilg_dr_codg, ...rest } = row as AlertRow;
  const alert = {
    ...rest,
    score: Number(rest.score),
    amount_at_risk: Number(rest.amount_at_risk),
    event_time: isoFromClickHouse(rest.event_time, '+08:00'),
    detected_at: isoFromClickHouse(rest.detected_at, 'Z'),
    evidence: JSON.parse(evidence) as Record<string, unknown>,
  } as Alert;
  if (med_list_codg) alert.med_list_codg = med_list_codg;
  if (feedetl_sn) alert.feedetl_sn = feedetl_sn;
  if (bilg_dr_codg) alert.bilg_dr_codg = bilg_dr_codg;
  return alert;
}

export interface PersonStatusRow {
  psn_no: string;
  death_date: string;
  received_at: number;
}

/** A settlement as rebuilt from ClickHouse rows (`settlements` + its `settlement_items`). */
export interface StoredSettlementRow extends Omit<SettlementRow, 'medfee_sumamt' | 'fund_pay_sumamt' | 'psn_cash_pay' | 'stream_seq'> {
  medfee_sumamt: number | string;
  fund_pay_sumamt: number | string;
  psn_cash_pay: number | string;
  stream_seq: number | string;
  items: Array<[string, string, string, number, number | string, number | string, number | null, string, string[]]>;
}

/** The settlement a stored row describes: enough for every detector's history. */
export function settlementFromStored(r: StoredSettlementRow): { settlement: Settlement; seq: number } {
  const s: Settlement = {
    setl_id: r.setl_id,
    mdtrt_id: r.mdtrt_id,
    psn_no: r.psn_no,
    brdy: r.brdy,
    admdvs: r.admdvs,
    fixmedins_code: r.fixmedins_code,
    med_type: r.med_type,
    setl_time: isoFromClickHouse(r.setl_time, '+08:00'),
    medfee_sumamt: Number(r.medfee_sumamt),
    fund_pay_sumamt: Number(r.fund_pay_sumamt),
    psn_cash_pay: Number(r.psn_cash_pay),
    diag: r.diag_codes.map((diag_code) => ({ diag_code })),
    items: r.items.map(([feedetl_sn, med_list_codg, list_type, cnt, pric, fee, prd_days, bilg_dr_codg, codes]) => ({
      feedetl_sn,
      med_list_codg,
      ...(list_type ? { list_type: list_type as SettlementItem['list_type'] } : {}),
      cnt: Number(cnt),
      pric: Number(pric),
      det_item_fee_sumamt: Number(fee),
      ...(prd_days !== null ? { prd_days: Number(prd_days) } : {}),
      ...(bilg_dr_codg ? { bilg_dr_codg } : {}),
      ...(codes.length ? { drug_trac_codg: codes } : {}),
    })),
  };
  if (r.setl_type === 'refund') s.setl_type = 'refund';
  if (r.orig_setl_id) s.orig_setl_id = r.orig_setl_id;
  if (r.gend) s.gend = r.gend as Settlement['gend'];
  if (r.insutype) s.insutype = r.insutype;
  if (r.fixmedins_type) s.fixmedins_type = r.fixmedins_type as Settlement['fixmedins_type'];
  if (r.begntime) s.begntime = isoFromClickHouse(r.begntime, '+08:00');
  if (r.endtime) s.endtime = isoFromClickHouse(r.endtime, '+08:00');
  return { settlement: s, seq: Number(r.stream_seq) };
}
