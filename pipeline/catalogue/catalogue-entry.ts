/**
 * One entry of the catalogue — the knowledge base the rules read (`../shared/contracts/catalogue.md`).
 * An absent field means no restriction of that sort, except `max_per_visit`, which defaults to 1
 * for services and tests (`list_type` `"201"`): see {@link effectiveMaxPerVisit}.
 */
import type { ListType } from '../contracts/settlement.js';

export interface CatalogueEntry {
  med_list_codg: string;
  name: string;
  list_type?: ListType;
  /** Ingredient or ATC group; stockpile and hopping count the same group as the same drug. */
  group?: string;
  /** `"1"` only for men, `"2"` only for women. */
  sex?: '1' | '2';
  /** Allowed ages in completed years, inclusive. */
  age_min?: number;
  age_max?: number;
  max_days?: number;
  max_days_chronic?: number;
  /** ICD-10 code prefixes the item is paid for. */
  indications?: string[];
  max_per_visit?: number;
  max_per_day?: number;
  conflicts_with?: string[];
  inpatient_only?: boolean;
  min_interval_days?: number;
  /** Yuan per unit. */
  price_ceiling?: number;
  reflow_risk?: boolean;
  /** Where this entry's restrictions come from (documentation only, e.g. `nhsa-b1-sex`). */
  source?: string[];
}

/** `max_per_visit`, with the contract's default of 1 for services and tests. */
export function effectiveMaxPerVisit(entry: CatalogueEntry): number | undefined {
  if (entry.max_per_visit !== undefined) return entry.max_per_visit;
  return entry.list_type === '201' ? 1 : undefined;
}

/** The drug identity stockpile and hopping count by: `group`, or the code itself. */
export function drugGroup(entry: CatalogueEntry | undefined, code: string): string {
  return entry?.group ?? code;
}
