/**
 * Why a message was dead-lettered: a stable machine-readable code and a Chinese message for
 * reviewers and ops. Codes are never renamed or reused; add new ones at the end.
 */
export const REJECT_REASONS = {
  not_json: '消息不是有效的 JSON',
  not_object: '消息不是 JSON 对象',
  missing_field: '缺少必填字段',
  wrong_type: '字段类型错误',
  invalid_value: '字段取值不在允许范围内',
  invalid_format: '字段格式错误',
  out_of_range: '字段长度或数值超出范围',
  schema_violation: '不符合结算事件规范',
  invalid_date: '日期或时间不是真实有效的值',
  item_fee_mismatch: '明细金额不等于数量乘以单价（精确到分）',
  total_mismatch: '医疗费总额与明细金额合计不符',
  fund_pay_exceeds_total: '基金支付或个人现金支付超过医疗费总额',
  stay_end_before_begin: '出院时间早于入院时间',
  duplicate_feedetl_sn: '同一结算内费用明细流水号重复',
  birth_after_settlement: '出生日期晚于结算时间',
  invalid_refund: '退费结算的原结算ID无效',
  processing_failed: '多次处理失败，已转入死信',
  invalid_person_status: '人员状态消息无效（需要 psn_no 与真实的 death_date）',
} as const;
export type RejectReason = keyof typeof REJECT_REASONS;

/** One problem found in a message. */
export interface Rejection {
  readonly reason: RejectReason;
  /** Where and what, in English, for ops (e.g. `/items/2/pric: must be >= 0`). */
  readonly detail: string;
}
