/**
 * Person status (reference data): deaths notified by the civil registry. Held in memory for the
 * detectors (a few bytes per death), loaded from and written to ClickHouse `person_status`.
 */
import type { PersonStatus } from '../contracts/settlement.js';

export interface PersonStatusView {
  /** `YYYY-MM-DD` of the person's death, if one was notified. */
  deathDate(psnNo: string): string | undefined;
}

export interface PersonStatusStore extends PersonStatusView {
  set(status: PersonStatus): void;
  readonly size: number;
}

export function createPersonStatusStore(initial: Iterable<PersonStatus> = []): PersonStatusStore {
  const deaths = new Map<string, string>();
  const store: PersonStatusStore = {
    deathDate: (psn) => deaths.get(psn),
    set: (s) => {
      deaths.set(s.psn_no, s.death_date);
    },
    get size() {
      return deaths.size;
    },
  };
  for (const s of initial) store.set(s);
  return store;
}
