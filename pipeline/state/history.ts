/**
 * Keyed event-time history: the building block of every stateful detector.
 *
 * Ordering rule (what makes detection deterministic whatever the crashes and redeliveries): state
 * is a function of the settlements processed, ordered by their stream sequence. The check of
 * settlement `n` sees exactly the entries recorded from settlements with a smaller sequence, not
 * refunded by a refund with a smaller sequence, and never the settlement itself (a settlement
 * published twice is not its own predecessor). Time windows are then applied in event time
 * (`setl_time`, stays' `begntime`/`endtime`), never arrival time.
 *
 * Bounded: `evictBefore(ms)` drops entries whose event time is older than what any rule can look
 * back to; the detector decides the horizon.
 */

export interface HistoryEntry {
  /** Stream sequence of the settlement that recorded the entry. */
  readonly seq: number;
  readonly setlId: string;
  /** Event time the entry is evicted by (ms since epoch): `setl_time`, or a stay's `endtime`. */
  readonly timeMs: number;
  /** Sequence of the refund that cancelled the settlement, when one has been processed. */
  refundedSeq?: number;
}

/** True when the check of settlement (`seq`, `setlId`) may see `entry`. */
export function visibleAt(entry: HistoryEntry, seq: number, setlId: string): boolean {
  return entry.seq < seq && entry.setlId !== setlId && !(entry.refundedSeq !== undefined && entry.refundedSeq < seq);
}

export interface HistorySize {
  keys: number;
  entries: number;
}

/**
 * Entries grouped by key (a person, a person and drug group, a facility…), each group kept in
 * insertion order. Recording is idempotent per (setlId, entry id): a settlement recorded twice
 * (rebuilt from ClickHouse, then redelivered) is stored once.
 */
export class KeyedHistory<E extends HistoryEntry> {
  readonly #groups = new Map<string, E[]>();
  #entries = 0;
  /** Optional id of an entry within its settlement (e.g. the item line), for idempotence. */
  readonly #idOf: (e: E) => string;

  constructor(idOf: (e: E) => string = () => '') {
    this.#idOf = idOf;
  }

  get(key: string): readonly E[] {
    return this.#groups.get(key) ?? EMPTY;
  }

  /** Entries of `key` visible to the check of settlement (`seq`, `setlId`). */
  visible(key: string, seq: number, setlId: string): E[] {
    return this.get(key).filter((e) => visibleAt(e, seq, setlId));
  }

  /** Adds an entry unless the same settlement already recorded the same entry under this key. */
  add(key: string, entry: E): boolean {
    const group = this.#groups.get(key);
    if (!group) {
      // A literal one-element array: `[]` then push reserves 17 slots (≈ 130 B more per key).
      this.#groups.set(key, [entry]);
      this.#entries += 1;
      return true;
    }
    const id = this.#idOf(entry);
    if (group.some((e) => e.setlId === entry.setlId && this.#idOf(e) === id)) return false;
    group.push(entry);
    this.#entries += 1;
    return true;
  }

  /** Marks every entry of `origSetlId` under `key` as refunded at sequence `refundSeq`. */
  refund(key: string, origSetlId: string, refundSeq: number): number {
    let n = 0;
    for (const e of this.get(key)) {
      if (e.setlId === origSetlId && (e.refundedSeq === undefined || e.refundedSeq > refundSeq)) {
        e.refundedSeq = refundSeq;
        n += 1;
      }
    }
    return n;
  }

  /** Drops entries with `timeMs` before `ms`, and keys left empty. */
  evictBefore(ms: number): void {
    for (const [key, group] of this.#groups) {
      if (group.every((e) => e.timeMs >= ms)) continue;
      const kept = group.filter((e) => e.timeMs >= ms);
      this.#entries -= group.length - kept.length;
      if (kept.length) this.#groups.set(key, kept);
      else this.#groups.delete(key);
    }
  }

  size(): HistorySize {
    return { keys: this.#groups.size, entries: this.#entries };
  }
}

const EMPTY: readonly never[] = Object.freeze([]);
