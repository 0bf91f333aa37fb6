/**
 * An alert's evidence laid out for a reviewer: a two-column table with Chinese labels, the value
 * that breached a limit shown in bold next to its limit, nested lists as small nested tables.
 * Keys the page does not know are shown as they are (kinds may add evidence).
 */
import { h } from './dom.js';
import { dateTime, int, looksLikeIsoTime, num, price, yuan } from './format.js';
import { coded, MED_TYPE_NAMES, SEX_NAMES } from './labels.js';

/** Chinese labels of the evidence keys the detectors write. */
export const EVIDENCE_LABELS: Readonly<Record<string, string>> = {
  rule: '规则',
  check: '检查项',
  item_name: '项目名称',
  med_list_codg: '项目编码',
  cnt: '数量',
  pric: '单价',
  price_ceiling: '支付标准',
  ratio: '倍数',
  tolerance: '容差',
  catalogue_source: '目录来源',
  regional_median: '区域中位价',
  robust_z: '稳健 Z 值',
  mad_ln: '对数价格 MAD',
  baseline_count: '基线样本数',
  z_threshold: 'Z 值阈值',
  ratio_threshold: '倍数阈值',
  admdvs: '医保区划',
  median_ratio: '中位倍数',
  items: '计价项目数',
  window_items: '窗口项目数',
  min_items: '最少项目数',
  min_baseline: '最少基线样本数',
  local_date: '日期',
  items_on_settlement: '本次结算计价项目数',
  examples: '示例项目',
  drug_group: '药品分组',
  reflow_risk: '易倒卖药品',
  facilities_in_window: '时间窗内机构数',
  min_facilities: '机构数阈值',
  window_days: '时间窗',
  window_start: '时间窗起点',
  lines: '涉及明细',
  earlier: '此前记录',
  setl_id: '结算号',
  fixmedins_code: '机构编码',
  setl_time: '结算时间',
  held_days: '持有余量',
  max_held_days: '允许余量',
  excess_days: '超出天数',
  covered_through: '药量覆盖至',
  prd_days: '开药天数',
  item_fee: '明细金额',
  chain_purchases: '连续购药次数',
  chain: '购药链',
  feedetl_sn: '明细流水号',
  date: '日期',
  codes_on_line: '本行追溯码数',
  reused_codes: '重复追溯码数',
  reused_packages: '重复包装数',
  reuses: '重复使用明细',
  code: '追溯码',
  earlier_settlements: '此前结算次数',
  same_person: '同一参保人',
  same_settlement_line: '同一结算内明细',
  age_min: '最小年龄',
  age_max: '最大年龄',
  person_age: '参保人年龄',
  settlement_date: '结算日期',
  limit_days: '限定天数',
  max_days: '限定天数',
  limit_field: '限定依据',
  med_type: '医疗类别',
  death_date: '死亡日期',
  days_after_death: '死亡后天数',
  medfee_sumamt: '医疗费总额',
  fund_pay_sumamt: '基金支付',
  max_per_visit: '每次就诊限定行数',
  line_count: '计费行数',
  line_number: '本行序号',
  feedetl_sns: '涉及明细',
  max_per_day: '每日限定数量',
  stay_days: '住院天数',
  allowed_quantity: '允许数量',
  total_quantity: '合计数量',
  excess_quantity: '超出数量',
  conflicting_code: '冲突项目编码',
  conflicting_name: '冲突项目名称',
  conflicting_feedetl_sns: '冲突明细',
  visit_count: '就诊次数',
  min_visits: '次数阈值',
  facility_count: '涉及机构数',
  earlier_setl_ids: '此前结算号',
  earlier_setl_ids_omitted: '未列出的此前结算',
  allowed_sex: '限定性别',
  person_sex: '参保人性别',
  threshold_yuan: '审核阈值',
  threshold_option: '阈值类型',
  item_count: '明细条数',
  indications: '限定适应症',
  diag_codes: '诊断编码',
  visit_setl_id: '门诊/购药结算号',
  visit_type: '就诊类型',
  visit_facility: '门诊/购药机构',
  visit_time: '门诊/购药时间',
  stay_setl_id: '住院结算号',
  stay_facility: '住院机构',
  stay_begin: '入院时间',
  stay_end: '出院时间',
  diag_category: '主诊断类别',
  facility: '机构',
  earlier_setl_id: '前次结算号',
  earlier_begin: '前次入院',
  earlier_end: '前次出院',
  later_setl_id: '后次结算号',
  later_begin: '后次入院',
  later_end: '后次出院',
  gap_days: '间隔天数',
  inpatient: '住院',
  min_interval_days: '最短间隔',
  applied_interval_days: '适用间隔',
  interval_days: '实际间隔',
  other_setl_id: '另一次结算号',
  other_setl_time: '另一次结算时间',
  other_is_later: '另一次在后',
  threshold: '阈值',
  score: '评分',
  model: '模型',
  features: '特征',
  contributions: '特征贡献',
  expected: '期望值',
  observed: '观测值',
  bucket: '时间桶',
};

const YUAN_KEYS = new Set(['medfee_sumamt', 'fund_pay_sumamt', 'threshold_yuan', 'item_fee']);
const PRICE_KEYS = new Set(['pric', 'price_ceiling', 'regional_median']);
const RATIO_KEYS = new Set(['ratio', 'median_ratio', 'ratio_threshold']);
const DAY_KEYS = new Set([
  'window_days', 'prd_days', 'limit_days', 'max_days', 'held_days', 'max_held_days', 'excess_days', 'gap_days',
  'interval_days', 'min_interval_days', 'applied_interval_days', 'days_after_death', 'stay_days',
]);
const AGE_KEYS = new Set(['age_min', 'age_max', 'person_age']);
const CODE_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  med_type: MED_TYPE_NAMES,
  allowed_sex: SEX_NAMES,
  person_sex: SEX_NAMES,
  visit_type: { pharmacy: '药店购药', outpatient: '门诊' },
  limit_field: { max_days: '普通限定天数', max_days_chronic: '慢特病限定天数' },
  threshold_option: { inpatientYuan: '住院阈值', outpatientYuan: '门诊阈值' },
  check: { max_per_visit: '每次就诊限定行数', max_per_day: '每日限定数量', conflicts_with: '互斥项目同时收费' },
};

/**
 * "The value and its limit": the first key is what the settlement shows, the rest the limit.
 * Listed in order of preference; each key is used by one pair at most.
 */
const PAIRS: readonly { actual: string; limits: readonly string[] }[] = [
  { actual: 'pric', limits: ['price_ceiling'] },
  { actual: 'pric', limits: ['regional_median'] },
  { actual: 'ratio', limits: ['ratio_threshold'] },
  { actual: 'robust_z', limits: ['z_threshold'] },
  { actual: 'median_ratio', limits: ['ratio_threshold'] },
  { actual: 'prd_days', limits: ['limit_days'] },
  { actual: 'prd_days', limits: ['max_days'] },
  { actual: 'person_age', limits: ['age_min', 'age_max'] },
  { actual: 'person_sex', limits: ['allowed_sex'] },
  { actual: 'diag_codes', limits: ['indications'] },
  { actual: 'interval_days', limits: ['min_interval_days', 'applied_interval_days'] },
  { actual: 'held_days', limits: ['max_held_days'] },
  { actual: 'facilities_in_window', limits: ['min_facilities', 'window_days'] },
  { actual: 'medfee_sumamt', limits: ['threshold_yuan'] },
  { actual: 'visit_count', limits: ['min_visits', 'window_days'] },
  { actual: 'gap_days', limits: ['window_days'] },
  { actual: 'line_count', limits: ['max_per_visit'] },
  { actual: 'total_quantity', limits: ['allowed_quantity'] },
  { actual: 'days_after_death', limits: ['death_date'] },
];

/** Keys shown first, in this order. */
const LEAD_KEYS = ['rule', 'check', 'item_name'];

const MAX_DEPTH = 2;
const MAX_LIST = 40;

export function evidenceLabel(key: string): string {
  return EVIDENCE_LABELS[key] ?? key;
}

/** The evidence as a two-column table (`<table>`; the caller adds the test hook). */
export function renderEvidence(evidence: Record<string, unknown> | null | undefined): HTMLTableElement {
  const table = h('table', { class: 'kv evidence' });
  const tbody = h('tbody');
  table.append(tbody);
  const ev = evidence && typeof evidence === 'object' ? evidence : {};
  const keys = Object.keys(ev);
  if (keys.length === 0) {
    tbody.append(h('tr', null, h('td', { colspan: 2, class: 'muted' }, '（无证据字段）')));
    return table;
  }
  const used = new Set<string>();
  const row = (key: string, cls: string | null, ...value: (Node | string)[]): void => {
    used.add(key);
    tbody.append(h('tr', { class: cls, 'data-key': key }, h('th', { title: key }, evidenceLabel(key)), h('td', null, ...value)));
  };

  for (const k of LEAD_KEYS) if (k in ev) row(k, k === 'rule' ? 'ev-rule' : null, renderValue(k, ev[k], 0));

  for (const pair of PAIRS) {
    if (used.has(pair.actual) || !(pair.actual in ev)) continue;
    const limits = pair.limits.filter((l) => l in ev && !used.has(l));
    if (limits.length === 0) continue;
    const limitText = limits.map((l) => `${evidenceLabel(l)} ${textOf(l, ev[l])}`).join('，');
    row(
      pair.actual,
      'ev-actual-row',
      h('strong', { class: 'ev-actual' }, renderValue(pair.actual, ev[pair.actual], 0)),
      h('span', { class: 'ev-vs' }, `对照 ${limitText}`),
    );
    for (const l of limits) row(l, 'ev-limit-row', h('span', { class: 'ev-limit' }, renderValue(l, ev[l], 0)));
  }

  for (const k of keys) if (!used.has(k)) row(k, null, renderValue(k, ev[k], 0));
  return table;
}

/** Plain text of a scalar (for the "对照" hint). */
function textOf(key: string, v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => textOf(key, x)).join('、');
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return scalarText(key, v);
}

function scalarText(key: string, v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (typeof v === 'number') {
    if (PRICE_KEYS.has(key)) return `${price(v)} 元`;
    if (YUAN_KEYS.has(key)) return `${yuan(v)} 元`;
    if (RATIO_KEYS.has(key)) return `${num(v)} 倍`;
    if (DAY_KEYS.has(key)) return `${num(v)} 天`;
    if (AGE_KEYS.has(key)) return `${num(v)} 岁`;
    if (Number.isInteger(v) && Math.abs(v) >= 10_000) return int(v);
    return num(v);
  }
  const s = String(v);
  const map = CODE_KEYS[key];
  if (map) return coded(map, s);
  if (looksLikeIsoTime(s)) return dateTime(s);
  return s;
}

function renderValue(key: string, v: unknown, depth: number): Node {
  if (Array.isArray(v)) return renderArray(key, v, depth);
  if (v !== null && typeof v === 'object') {
    if (depth >= MAX_DEPTH) return h('pre', { class: 'json' }, JSON.stringify(v, null, 2));
    return renderObject(v as Record<string, unknown>, depth + 1);
  }
  const text = scalarText(key, v);
  return typeof v === 'string' && text === v ? h('span', { class: isCodeLike(v) ? 'mono' : null }, text) : document.createTextNode(text);
}

function isCodeLike(s: string): boolean {
  return /^[A-Za-z0-9._:-]{6,}$/.test(s);
}

function renderArray(key: string, list: readonly unknown[], depth: number): Node {
  if (list.length === 0) return h('span', { class: 'muted' }, '（无）');
  if (list.every((x) => x === null || typeof x !== 'object')) {
    const shown = list.slice(0, MAX_LIST);
    return h(
      'span',
      { class: 'chips' },
      shown.map((x) => h('span', { class: 'chip mono' }, scalarText(key, x))),
      list.length > shown.length ? h('span', { class: 'muted' }, ` …共 ${list.length} 项`) : null,
    );
  }
  if (depth >= MAX_DEPTH) return h('pre', { class: 'json' }, JSON.stringify(list, null, 2));
  const objects = list.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x));
  if (objects.length !== list.length) return h('pre', { class: 'json' }, JSON.stringify(list, null, 2));
  const cols: string[] = [];
  for (const o of objects) for (const k of Object.keys(o)) if (!cols.includes(k)) cols.push(k);
  const shown = objects.slice(0, MAX_LIST);
  return h(
    'div',
    { class: 'nested-wrap' },
    h(
      'table',
      { class: 'grid nested' },
      h('thead', null, h('tr', null, cols.map((c) => h('th', { title: c }, evidenceLabel(c))))),
      h('tbody', null, shown.map((o) => h('tr', null, cols.map((c) => h('td', null, c in o ? renderValue(c, o[c], depth + 1) : ''))))),
    ),
    objects.length > shown.length ? h('div', { class: 'muted' }, `…共 ${objects.length} 项`) : null,
  );
}

function renderObject(o: Record<string, unknown>, depth: number): Node {
  const keys = Object.keys(o);
  if (keys.length === 0) return h('span', { class: 'muted' }, '（空）');
  return h(
    'table',
    { class: 'kv nested' },
    h('tbody', null, keys.map((k) => h('tr', null, h('th', { title: k }, evidenceLabel(k)), h('td', null, renderValue(k, o[k], depth))))),
  );
}
