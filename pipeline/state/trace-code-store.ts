/**
 * Where trace codes (药品追溯码) are remembered. A code may be settled once, by any facility, at
 * any time: the state is global and unbounded in time, so it lives in a shared durable store
 * (ClickHouse `trace_codes`, keyed and sorted by code) and each worker holds only a bounded cache.
 *
 * Contract: before a batch is checked, `prefetch` the batch's codes; `uses` then answers
 * synchronously from memory. `record`/`refund` update memory at once and queue rows that the
 * batch writes to ClickHouse (`takePending`) before its messages are acked.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { isoFromClickHouse } from '../sinks/rows.js';
import { BloomFilter } from './bloom-filter.js';

export interface TraceCodeUse {
  readonly code: string;
  readonly setlId: string;
  readonly seq: number;
  readonly feedetlSn: string;
  readonly fixmedinsCode: string;
  readonly psnNo: string;
  readonly admdvs: string;
  /** ISO 8601 event time of the settlement. */
  readonly setlTime: string;
  /** Sequence of the refund that made the code sellable again, if any. */
  refundedSeq?: number;
}

/** A row of ClickHouse `trace_codes`; `refunded_seq` 0 means not refunded (and is the row version). */
export interface TraceCodeRow {
  code: string;
  setl_id: string;
  seq: number;
  feedetl_sn: string;
  fixmedins_code: string;
  psn_no: string;
  admdvs: string;
  setl_time: string;
  refunded_seq: number;
}

export interface TraceCodeStore {
  prefetch(codes: Iterable<string>): Promise<void>;
  uses(code: string): readonly TraceCodeUse[];
  record(use: TraceCodeUse): void;
  /** Marks the use of `code` by `origSetlId` refunded at `refundSeq`. */
  refund(code: string, origSetlId: string, refundSeq: number): void;
  takePending(): TraceCodeRow[];
  /** Puts back rows whose write failed, so the retried batch writes them. */
  restorePending(rows: readonly TraceCodeRow[]): void;
  /** Codes held in memory. */
  cached(): number;
  /**
   * Loads the Bloom filter of every code the shared store holds (at start). Until it is loaded,
   * every uncached code is looked up.
   */
  loadFilter(): Promise<number>;
}

const toRow = (u: TraceCodeUse): TraceCodeRow => ({
  code: u.code,
  setl_id: u.setlId,
  seq: u.seq,
  feedetl_sn: u.feedetlSn,
  fixmedins_code: u.fixmedinsCode,
  psn_no: u.psnNo,
  admdvs: u.admdvs,
  setl_time: u.setlTime,
  refunded_seq: u.refundedSeq ?? 0,
});

const fromRow = (r: TraceCodeRow): TraceCodeUse => {
  const use: TraceCodeUse = {
    code: r.code,
    setlId: r.setl_id,
    seq: Number(r.seq),
    feedetlSn: r.feedetl_sn,
    fixmedinsCode: r.fixmedins_code,
    psnNo: r.psn_no,
    admdvs: r.admdvs,
    setlTime: isoFromClickHouse(r.setl_time, '+08:00'),
  };
  if (Number(r.refunded_seq) > 0) use.refundedSeq = Number(r.refunded_seq);
  return use;
};

interface Options {
  /** Most codes kept in memory (least recently used dropped first; never unwritten ones). @default 1000000 */
  maxCached?: number;
  /** Codes the Bloom filter is sized for before it is rebuilt larger (1.2 bytes per code at 1 %). @default 10000000 */
  filterCapacity?: number;
}

/**
 * The store over ClickHouse. With no client it is memory-only (unit tests, the pure engine);
 * the pipeline always passes one.
 */
export function createTraceCodeStore(client?: ClickHouseClient, options: Options = {}): TraceCodeStore {
  const maxCached = options.maxCached ?? 1_000_000;
  // Map iteration order is insertion order: re-inserting on access makes it an LRU.
  const cache = new Map<string, TraceCodeUse[]>();
  let pending: TraceCodeRow[] = [];
  const pendingCodes = new Set<string>();

  function touch(code: string): TraceCodeUse[] {
    let uses = cache.get(code);
    if (uses) cache.delete(code);
    else uses = [];
    cache.set(code, uses);
    return uses;
  }

  // Lookups are coalesced: codes asked for while a query runs go into the next one, so concurrent
  // callers (the worker's batch, many pre-event checks) share a few queries instead of one each.
  const queued = new Set<string>();
  let loading: Promise<void> | undefined;
  // Codes the shared store may hold: a code the filter has never seen is certainly new.
  let filter: BloomFilter | undefined;

  async function buildFilter(capacity: number): Promise<number> {
    const next = new BloomFilter(capacity);
    const rs = await client!.query({ query: 'SELECT DISTINCT code FROM trace_codes', format: 'JSONCompactEachRow' });
    for await (const rows of rs.stream<[string]>()) for (const row of rows) next.add(row.json()[0]);
    for (const code of cache.keys()) if (cache.get(code)!.length) next.add(code);
    filter = next;
    return next.count;
  }

  async function load(chunk: string[]): Promise<void> {
    const rs = await client!.query({
      query: 'SELECT code, setl_id, seq, feedetl_sn, fixmedins_code, psn_no, admdvs, setl_time, refunded_seq FROM trace_codes FINAL WHERE code IN {codes:Array(String)}',
      query_params: { codes: chunk },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<TraceCodeRow>();
    for (const c of chunk) touch(c);
    for (const r of rows) {
      const uses = cache.get(r.code)!;
      if (!uses.some((u) => u.setlId === r.setl_id)) uses.push(fromRow(r));
    }
    for (const c of chunk) cache.get(c)!.sort((a, b) => a.seq - b.seq);
    trim();
  }

  function drain(): Promise<void> {
    loading ??= (async () => {
      try {
        while (queued.size) {
          const chunk = [...queued].slice(0, 5000);
          for (const c of chunk) queued.delete(c);
          await load(chunk);
        }
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  function trim(): void {
    if (!client) return; // memory-only: the cache is the store
    for (const code of cache.keys()) {
      if (cache.size <= maxCached) break;
      if (!pendingCodes.has(code)) cache.delete(code);
    }
  }

  return {
    async prefetch(codes) {
      if (!client) return;
      let added = false;
      for (const c of codes) {
        if (filter && !filter.mightContain(c) && !cache.has(c)) {
          touch(c); // certainly never settled: known empty without asking
          continue;
        }
        if (!cache.has(c) && !queued.has(c)) {
          queued.add(c);
          added = true;
        }
      }
      if (added || loading) await drain();
    },
    uses(code) {
      return cache.get(code) ?? [];
    },
    record(use) {
      const uses = touch(use.code);
      if (uses.some((u) => u.setlId === use.setlId)) return; // recorded already (rebuilt, then redelivered)
      uses.push(use);
      filter?.add(use.code);
      pending.push(toRow(use));
      pendingCodes.add(use.code);
    },
    refund(code, origSetlId, refundSeq) {
      for (const u of touch(code)) {
        if (u.setlId === origSetlId && (u.refundedSeq === undefined || u.refundedSeq > refundSeq)) {
          u.refundedSeq = refundSeq;
          pending.push(toRow(u));
          pendingCodes.add(code);
        }
      }
    },
    takePending() {
      const out = pending;
      pending = [];
      pendingCodes.clear();
      trim();
      return out;
    },
    restorePending(rows) {
      pending = [...rows, ...pending];
      for (const r of rows) pendingCodes.add(r.code);
    },
    cached: () => cache.size,
    async loadFilter() {
      if (!client) return 0;
      const rs = await client.query({ query: 'SELECT count() AS n FROM trace_codes', format: 'JSONEachRow' });
      const [row] = await rs.json<{ n: string }>();
      return buildFilter(Math.max(options.filterCapacity ?? 10_000_000, Number(row?.n ?? 0) * 2));
    },
  };
}
