/**
 * Rebuilding detector state at start-up from ClickHouse, the durable record of every accepted
 * settlement (written before its message is acked). Settlements within the detectors' longest
 * lookback of the latest event time are read in chunks of stream sequence and folded back into
 * state in stream order, each kind taking only those within its own lookback; the ordering rule
 * (`history.ts`) makes this exact even for settlements written but never acked, which will be
 * redelivered: their checks see only what came before them in the stream.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { PersonStatus } from '../contracts/settlement.js';
import type { DetectionEngine } from '../detectors/engine.js';
import { settlementFromStored, type StoredSettlementRow } from '../sinks/rows.js';
import type { PersonStatusStore } from './person-status.js';
import { queryText, runQuery } from '../infra/sql-queries.js';

export interface RebuildReport {
  settlements: number;
  persons: number;
  /** Earliest event time read, ISO; undefined when there was no history. */
  from: string | undefined;
  elapsedMs: number;
}

export async function loadPersonStatus(client: ClickHouseClient, store: PersonStatusStore): Promise<number> {
  const rs = await client.query({ query: 'SELECT psn_no, toString(death_date) AS death_date FROM person_status FINAL', format: 'JSONEachRow' });
  let n = 0;
  for await (const rows of rs.stream<PersonStatus>()) {
    for (const row of rows) {
      store.set(row.json());
      n += 1;
    }
  }
  return n;
}

/** Stream sequences read per query: bounds the memory a rebuild holds at once. */
export const REBUILD_CHUNK_SEQ = 50_000;

export async function rebuildState(engine: DetectionEngine, client: ClickHouseClient, persons: PersonStatusStore, chunkSeq = REBUILD_CHUNK_SEQ): Promise<RebuildReport> {
  const t0 = performance.now();
  const personCount = await loadPersonStatus(client, persons);
  const lookbackSeconds = Math.ceil(engine.lookbackMs / 1000);
  let settlements = 0;
  let from: string | undefined;
  const [bounds] = lookbackSeconds > 0 ? await runQuery<{ latest_ms: string | number; since: string; min_seq: string; max_seq: string; rows: string }>(client, 'rebuild_bounds', { lookback: lookbackSeconds }) : [];
  if (bounds && Number(bounds.rows) > 0) {
    const latestMs = Number(bounds.latest_ms);
    // In chunks of stream sequence, in stream order: the ordering rule needs stream order, and a
    // chunk at a time keeps memory to one chunk's rows whatever the history holds.
    for (let after = Number(bounds.min_seq) - 1; after < Number(bounds.max_seq); after += chunkSeq) {
      const rs = await client.query({
        query: queryText('rebuild_chunk'),
        query_params: { since: bounds.since, after, upto: after + chunkSeq },
        format: 'JSONEachRow',
      });
      for await (const rows of rs.stream<StoredSettlementRow>()) {
        for (const row of rows) {
          const { settlement, seq } = settlementFromStored(row.json());
          from ??= settlement.setl_time;
          engine.rebuild(settlement, seq, latestMs);
          settlements += 1;
        }
      }
    }
  }
  return { settlements, persons: personCount, from, elapsedMs: Math.round(performance.now() - t0) };
}
