/**
 * The alert record — the output contract (`../shared/contracts/alerts.md`).
 * The same record is published on `yb.alert.<phase>.<kind>` and inserted into ClickHouse `alerts`.
 */

/** Every kind of the contract. Kinds may be added; none is renamed or dropped. */
export const ALERT_KINDS = [
  'rx.gender_restricted',
  'rx.age_restricted',
  'rx.days_exceeded',
  'rx.indication_mismatch',
  'rx.duplicate_charge',
  'rx.test_frequency',
  'rx.setting_restricted',
  'rx.deceased',
  'rx.inpatient_overlap',
  'rx.readmission',
  'rx.frequent_visits',
  'rx.high_amount',
  'price.above_ceiling',
  'price.outlier',
  'price.facility_markup',
  'reflow.trace_code_reuse',
  'reflow.stockpile',
  'reflow.pharmacy_hopping',
  'ml.claim_anomaly',
  'ml.facility_volume',
  'ml.fraud_risk',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** 事前 (a draft), 事中 (a settlement in the stream), 事后 (a batch screen over history). */
export const PHASES = ['pre', 'in', 'post'] as const;
export type Phase = (typeof PHASES)[number];

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Alert {
  /** Deterministic de-duplication key (see `pipeline/detectors/alert-id.ts`). */
  alert_id: string;
  kind: AlertKind;
  phase: Phase;
  severity: Severity;
  /** Rules: how far past the threshold (≥ 1 means past it). Models: the anomaly score. */
  score: number;
  setl_id: string;
  psn_no: string;
  fixmedins_code: string;
  admdvs: string;
  med_list_codg?: string;
  feedetl_sn?: string;
  bilg_dr_codg?: string;
  /** Yuan put in doubt by the finding. */
  amount_at_risk: number;
  /** `setl_time` of the settlement, as it arrived (ISO 8601 with offset). */
  event_time: string;
  /** Wall-clock time of detection, ISO 8601 UTC. Not part of `alert_id`. */
  detected_at: string;
  /** `name@version`, e.g. `rules@1`. */
  detector: string;
  evidence: Record<string, unknown>;
  /** One sentence for the reviewer, zh-CN. */
  message: string;
}

/** The live-feed subject of an alert: `yb.alert.<phase>.<kind>`. */
export function alertSubject(alert: Pick<Alert, 'phase' | 'kind'>): string {
  return `yb.alert.${alert.phase}.${alert.kind}`;
}

/** Reviewer-facing Chinese name of each kind (dashboard, reports). */
export const KIND_NAMES_ZH: Readonly<Record<AlertKind, string>> = {
  'rx.gender_restricted': '限性别',
  'rx.age_restricted': '限年龄',
  'rx.days_exceeded': '超量开药',
  'rx.indication_mismatch': '适应症不符',
  'rx.duplicate_charge': '重复收费',
  'rx.test_frequency': '检查超频次',
  'rx.setting_restricted': '限住院使用',
  'rx.deceased': '死亡人员结算',
  'rx.inpatient_overlap': '住院期间门诊/购药',
  'rx.readmission': '分解住院',
  'rx.frequent_visits': '频繁就医',
  'rx.high_amount': '大额费用',
  'price.above_ceiling': '超支付标准',
  'price.outlier': '价格离群',
  'price.facility_markup': '机构系统性加价',
  'reflow.trace_code_reuse': '追溯码重复结算',
  'reflow.stockpile': '囤药',
  'reflow.pharmacy_hopping': '多机构购药',
  'ml.claim_anomaly': '模型：结算异常',
  'ml.facility_volume': '模型：机构量异常',
  'ml.fraud_risk': '模型：欺诈风险',
};

export const PHASE_NAMES_ZH: Readonly<Record<Phase, string>> = { pre: '事前', in: '事中', post: '事后' };
export const SEVERITY_NAMES_ZH: Readonly<Record<Severity, string>> = { low: '低', medium: '中', high: '高' };
