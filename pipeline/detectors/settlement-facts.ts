/**
 * Facts derived once per settlement and shared by every detector: event time, local date, age,
 * the days of the stay, and each line's catalogue entry.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { CatalogueEntry } from '../catalogue/catalogue-entry.js';
import { isInpatient, type Settlement, type SettlementItem } from '../contracts/settlement.js';
import { completedYears, epochMs, localDate, stayDays } from '../time/event-time.js';

export interface ItemFacts {
  readonly item: SettlementItem;
  /** The catalogue entry, or undefined for a code the catalogue does not know. */
  readonly entry: CatalogueEntry | undefined;
  /** `list_type` of the line, else of the catalogue entry. */
  readonly listType: string | undefined;
}

export interface SettlementFacts {
  readonly eventMs: number;
  /** Local date of `setl_time`, `YYYY-MM-DD`. */
  readonly localDate: string;
  /** Completed years at the local date of `setl_time`. */
  readonly ageYears: number;
  readonly inpatient: boolean;
  /** Days of the stay; 1 for a settlement that is not inpatient. */
  readonly stayDays: number;
  readonly isRefund: boolean;
  readonly items: readonly ItemFacts[];
  /** Lines whose code the catalogue does not know. */
  readonly unknownCodes: number;
}

export function deriveFacts(settlement: Settlement, catalogue: Catalogue): SettlementFacts {
  const eventMs = epochMs(settlement.setl_time);
  const date = localDate(eventMs);
  const inpatient = isInpatient(settlement.med_type);
  const days =
    inpatient && settlement.begntime && settlement.endtime
      ? stayDays(epochMs(settlement.begntime), epochMs(settlement.endtime))
      : 1;
  let unknownCodes = 0;
  const items = settlement.items.map((item): ItemFacts => {
    const entry = catalogue.get(item.med_list_codg);
    if (!entry) unknownCodes += 1;
    return { item, entry, listType: item.list_type ?? entry?.list_type };
  });
  return {
    eventMs,
    localDate: date,
    ageYears: completedYears(settlement.brdy, date),
    inpatient,
    stayDays: days,
    isRefund: settlement.setl_type === 'refund',
    items,
    unknownCodes,
  };
}
