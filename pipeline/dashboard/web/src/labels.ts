/** Chinese names and badges of kinds, phases, severities and review decisions. */
import { KIND_NAMES_ZH, PHASE_NAMES_ZH, SEVERITY_NAMES_ZH } from '../../../contracts/alert.js';
import { REVIEW_DECISION_NAMES_ZH, type ReviewDecision } from '../../api-types.js';
import { h } from './dom.js';

/** Kinds may be added on the server before the page learns them: fall back to the code. */
export function kindName(kind: string): string {
  return (KIND_NAMES_ZH as Readonly<Record<string, string>>)[kind] ?? kind;
}

export function phaseName(phase: string): string {
  return (PHASE_NAMES_ZH as Readonly<Record<string, string>>)[phase] ?? phase;
}

export function severityName(severity: string): string {
  return (SEVERITY_NAMES_ZH as Readonly<Record<string, string>>)[severity] ?? severity;
}

export function decisionName(decision: string): string {
  return (REVIEW_DECISION_NAMES_ZH as Readonly<Record<string, string>>)[decision] ?? decision;
}

/** Severity as a coloured badge. */
export function severityBadge(severity: string): HTMLSpanElement {
  return h('span', { class: `badge sev sev-${severity}`, title: severity }, severityName(severity));
}

/** Review decision as a coloured badge. */
export function decisionBadge(decision: ReviewDecision | string): HTMLSpanElement {
  return h('span', { class: `badge dec dec-${decision}`, 'data-decision': decision }, decisionName(decision));
}

/** Kind's Chinese name with its code in small text. */
export function kindCell(kind: string): HTMLSpanElement {
  return h('span', { class: 'kind' }, h('span', { class: `kind-dot fam-${kind.split('.')[0] ?? ''}` }), kindName(kind), ' ', h('small', { class: 'code' }, kind));
}

/** Chinese names of coded settlement fields. */
export const MED_TYPE_NAMES: Readonly<Record<string, string>> = {
  '11': '普通门诊',
  '12': '门诊挂号',
  '13': '急诊',
  '14': '门诊慢特病',
  '21': '普通住院',
  '22': '外伤住院',
  '24': '转外诊治住院',
  '41': '定点药店购药',
};
export const LIST_TYPE_NAMES: Readonly<Record<string, string>> = { '101': '西药中成药', '102': '中药饮片', '201': '医疗服务/检查', '301': '医用耗材' };
export const SEX_NAMES: Readonly<Record<string, string>> = { '0': '未知', '1': '男', '2': '女', '9': '未说明' };
export const FIXMEDINS_TYPE_NAMES: Readonly<Record<string, string>> = { '1': '定点医疗机构', '2': '定点零售药店' };
export const SETL_TYPE_NAMES: Readonly<Record<string, string>> = { sale: '结算', refund: '退费' };

/** `代码 名称` for a coded value (the code kept: reviewers search by it). */
export function coded(map: Readonly<Record<string, string>>, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—';
  const name = map[code];
  return name ? `${name}（${code}）` : code;
}
