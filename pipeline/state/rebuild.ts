/**
 * Rebuilding detector state at start-up from ClickHouse, the durable record of every accepted
 * settlement (written before its message is acked). Settlements within the detectors' lookback of
 * the latest event time are folded back into state in stream order; the ordering rule
 * (`history.ts`) makes this exact even for settlements written but never acked, which will be
 * redelivered: their checks see only what came before them in the stream.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { PersonStatus } from '../contracts/settlement.js';
import type { DetectionEngine } from '../detectors/engine.js';
import { settlementFromStored, type StoredSettlementRow } from '../sinks/rows.js';
import type { PersonStatusStore } from './person-status.js';

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

export async function rebuildState(engine: DetectionEngine, client: ClickHouseClient, persons: PersonStatusStore): Promise<RebuildReport> {
  const t0 = performance.now();
  const personCount = await loadPersonStatus(client, persons);
  const lookbackSeconds = Math.ceil(engine.lookbackMs / 1000);
  let settlements = 0;
  let from: string | undefined;
  if (lookbackSeconds > 0) {
    const rs = await client.query({
      query: `
        WITH (SELECT max(setl_time) FROM settlements) AS latest,
             latest - toIntervalSecond({lookback:UInt64}) AS since
        SELECT s.*, i.items
        FROM (SELECT * FROM settlements FINAL WHERE setl_time >= since) AS s
        LEFT JOIN (
          SELECT setl_id,
                 groupArray(tuple(feedetl_sn, med_list_codg, list_type, cnt, pric, det_item_fee_sumamt, prd_days, bilg_dr_codg, drug_trac_codg)) AS items
          FROM settlement_items FINAL
          WHERE setl_time >= since
          GROUP BY setl_id
        ) AS i ON s.setl_id = i.setl_id
        ORDER BY s.stream_seq`,
      query_params: { lookback: lookbackSeconds },
      format: 'JSONEachRow',
    });
    for await (const rows of rs.stream<StoredSettlementRow>()) {
      for (const row of rows) {
        const { settlement, seq } = settlementFromStored(row.json());
        from ??= settlement.setl_time;
        engine.rebuild(settlement, seq);
        settlements += 1;
      }
    }
  }
  return { settlements, persons: personCount, from, elapsedMs: Math.round(performance.now() - t0) };
}
