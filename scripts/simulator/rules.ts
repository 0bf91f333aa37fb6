/**
 * The simulator's own reading of the eight per-settlement kinds it keeps background traffic clean
 * of (and injects on purpose). It mirrors the contract (`alerts.md`) with the default thresholds, so
 * that the generator can check a draft before it emits it: background must breach nothing, an
 * injected case exactly its one kind. The real detectors are the judge (see `test/simulator.test.ts`).
 */
import type { AlertKind } from '../../pipeline/contracts/alert.js';
import type { Diagnosis } from '../../pipeline/contracts/settlement.js';
import { diagMatchesPrefix } from './conditions.js';
import type { FormularyItem } from './formulary.js';

/** The kinds background traffic never trips. */
export const CLEAN_KINDS = [
  'rx.gender_restricted',
  'rx.age_restricted',
  'rx.days_exceeded',
  'rx.indication_mismatch',
  'rx.duplicate_charge',
  'rx.setting_restricted',
  'rx.high_amount',
  'price.above_ceiling',
] as const satisfies readonly AlertKind[];
export type CleanKind = (typeof CLEAN_KINDS)[number];

/** Defaults of `rx.high_amount`, yuan. */
export const HIGH_AMOUNT_YUAN = { outpatient: 4000, inpatient: 40000 } as const;
/** Background settlements stay below these totals, fen (a margin under the thresholds). */
export const BACKGROUND_CAP_FEN = { outpatient: 350_000, inpatient: 3_500_000 } as const;
/** `price.above_ceiling` tolerance. */
export const PRICE_TOLERANCE = 0.01;

export interface LineSpec {
  readonly item: FormularyItem;
  readonly cnt: number;
  readonly pricFen: number;
  readonly prdDays?: number | undefined;
}

export interface SettingFacts {
  readonly gend: string;
  readonly ageYears: number;
  readonly medType: string;
  /** 1 unless inpatient. */
  readonly stayDays: number;
  readonly diags: readonly Diagnosis[];
}

const isInpatient = (medType: string) => medType.startsWith('2');

/** Which kinds one line breaches by itself (everything but duplicate charges and the total). */
export function lineBreaches(facts: SettingFacts, line: LineSpec): CleanKind[] {
  const e = line.item.entry;
  const out: CleanKind[] = [];
  if (e.sex && (facts.gend === '1' || facts.gend === '2') && e.sex !== facts.gend) out.push('rx.gender_restricted');
  if ((e.age_max !== undefined && facts.ageYears > e.age_max) || (e.age_min !== undefined && facts.ageYears < e.age_min)) out.push('rx.age_restricted');
  if (line.prdDays !== undefined) {
    const limit = facts.medType === '14' && e.max_days_chronic !== undefined ? e.max_days_chronic : e.max_days;
    if (limit !== undefined && line.prdDays > limit) out.push('rx.days_exceeded');
  }
  if (e.indications?.length && !facts.diags.some((d) => e.indications?.some((p) => diagMatchesPrefix(d.diag_code, p)))) out.push('rx.indication_mismatch');
  if (e.inpatient_only === true && !isInpatient(facts.medType)) out.push('rx.setting_restricted');
  if (e.price_ceiling !== undefined && line.pricFen / 100 - e.price_ceiling * (1 + PRICE_TOLERANCE) > 1e-9) out.push('price.above_ceiling');
  return out;
}

/**
 * Lines a duplicate-charge check would flag: lines past `max_per_visit` of a service, the last line
 * of a service billed above `max_per_day` × days, and both sides of any conflicting pair.
 */
export function duplicateLines(facts: SettingFacts, lines: readonly LineSpec[]): Set<number> {
  const flagged = new Set<number>();
  const byCode = new Map<string, number[]>();
  lines.forEach((l, i) => {
    const list = byCode.get(l.item.code);
    if (list) list.push(i);
    else byCode.set(l.item.code, [i]);
  });
  for (const [, idx] of byCode) {
    const first = lines[idx[0] as number] as LineSpec;
    if (first.item.listType !== '201') continue;
    const max = first.item.maxPerVisit ?? 1;
    idx.slice(max).forEach((i) => flagged.add(i));
    const perDay = first.item.entry.max_per_day;
    if (perDay !== undefined) {
      const total = idx.reduce((s, i) => s + (lines[i] as LineSpec).cnt, 0);
      if (total > Math.round(perDay * facts.stayDays * 1e4) / 1e4) flagged.add(idx[idx.length - 1] as number);
    }
  }
  lines.forEach((a, i) => {
    if (a.item.conflicts.size === 0) return;
    lines.forEach((b, j) => {
      if (i !== j && a.item.conflicts.has(b.item.code)) {
        flagged.add(i);
        flagged.add(j);
      }
    });
  });
  return flagged;
}

/** Every clean kind a whole draft breaches, with the lines concerned (high amount: none). */
export function breaches(facts: SettingFacts, lines: readonly LineSpec[]): Map<CleanKind, number[]> {
  const out = new Map<CleanKind, number[]>();
  const add = (kind: CleanKind, i?: number) => {
    let list = out.get(kind);
    if (!list) out.set(kind, (list = []));
    if (i !== undefined) list.push(i);
  };
  lines.forEach((l, i) => lineBreaches(facts, l).forEach((k) => add(k, i)));
  for (const i of duplicateLines(facts, lines)) add('rx.duplicate_charge', i);
  const totalFen = lines.reduce((s, l) => s + l.cnt * l.pricFen, 0);
  const threshold = isInpatient(facts.medType) ? HIGH_AMOUNT_YUAN.inpatient : HIGH_AMOUNT_YUAN.outpatient;
  if (totalFen / 100 >= threshold) add('rx.high_amount');
  return out;
}
