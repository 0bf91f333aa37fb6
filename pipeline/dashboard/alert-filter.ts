/**
 * The dashboard's alert filter: parsed and validated once from a query string (every problem
 * reported), then applied the same way to the live feed (in memory) and the list (in SQL,
 * `sql/queries/alert_list.sql`).
 */
import { ALERT_KINDS, PHASES, SEVERITIES, type Alert } from '../contracts/alert.js';
import { FILTER_FIELDS, type AlertFilter, type ApiProblem } from './api-types.js';

const MAX_TEXT = 64;
const TEXT = /^[\p{L}\p{N}_.:-]*$/u;

export type FilterParse = { ok: true; filter: AlertFilter } | { ok: false; problems: ApiProblem[] };

export function parseAlertFilter(query: Record<string, unknown>): FilterParse {
  const filter: Record<string, string> = {};
  const problems: ApiProblem[] = [];
  for (const field of FILTER_FIELDS) {
    const raw = query[field];
    if (raw === undefined || raw === '') continue;
    const value = typeof raw === 'string' ? raw.trim() : '';
    if (!value) continue;
    const allowed = field === 'phase' ? PHASES : field === 'kind' ? ALERT_KINDS : field === 'severity' ? SEVERITIES : undefined;
    if (allowed && !(allowed as readonly string[]).includes(value)) {
      problems.push({ field, detail: `${field} must be one of ${allowed.join(', ')}`, message_zh: `筛选条件 ${field} 的取值无效` });
    } else if (value.length > MAX_TEXT || !TEXT.test(value)) {
      problems.push({ field, detail: `${field}: letters, digits, _ . : - only, at most ${MAX_TEXT}`, message_zh: `筛选条件 ${field} 含有无效字符或过长` });
    } else {
      filter[field] = value;
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, filter: filter as AlertFilter };
}

export function matchesFilter(filter: AlertFilter, a: Pick<Alert, 'phase' | 'kind' | 'severity' | 'admdvs' | 'fixmedins_code' | 'setl_id' | 'psn_no'>): boolean {
  if (filter.phase && a.phase !== filter.phase) return false;
  if (filter.kind && a.kind !== filter.kind) return false;
  if (filter.severity && a.severity !== filter.severity) return false;
  if (filter.admdvs && a.admdvs !== filter.admdvs) return false;
  if (filter.fixmedins_code && a.fixmedins_code !== filter.fixmedins_code) return false;
  if (filter.q && a.setl_id !== filter.q && a.psn_no !== filter.q && a.fixmedins_code !== filter.q) return false;
  return true;
}
