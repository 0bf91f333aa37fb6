/**
 * The ClickHouse sink. `write(batch)` resolves once every row of the batch is durably inserted
 * (one insert per table per batch); it rejects with {@link SinkUnavailableError} otherwise, and
 * the caller naks the batch. Tables are idempotent on their keys (ReplacingMergeTree), so a
 * retried batch never makes a second row visible to `FINAL` or the `v_*` views.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { SinkUnavailableError } from '../errors.js';
import type { DeadLetter } from './dead-letter.js';
import type { AlertRow, ItemRow, PersonStatusRow, SettlementRow } from './rows.js';
import type { TraceCodeRow } from '../state/trace-code-store.js';
import type { Metrics } from '../metrics/metrics.js';

export interface SinkBatch {
  settlements?: readonly SettlementRow[];
  items?: readonly ItemRow[];
  alerts?: readonly AlertRow[];
  deadLetters?: readonly DeadLetter[];
  traceCodes?: readonly TraceCodeRow[];
  persons?: readonly PersonStatusRow[];
}

export interface ClickHouseSink {
  write(batch: SinkBatch): Promise<void>;
}

export const TABLES = {
  settlements: 'settlements',
  items: 'settlement_items',
  alerts: 'alerts',
  deadLetters: 'dead_letters',
  traceCodes: 'trace_codes',
  persons: 'person_status',
} as const;

/** `metrics`: rows per insert and failed inserts, by table. */
export function createClickHouseSink(client: ClickHouseClient, metrics?: Pick<Metrics, 'sinkRows' | 'sinkFailures'>): ClickHouseSink {
  async function insert(table: string, values: readonly object[] | undefined): Promise<void> {
    if (!values?.length) return;
    try {
      await client.insert({ table, values: values as object[], format: 'JSONEachRow' });
      metrics?.sinkRows.observe({ table }, values.length);
    } catch (cause) {
      metrics?.sinkFailures.inc({ table });
      throw new SinkUnavailableError(`ClickHouse 写入失败 / insert into ${table} (${values.length} rows) failed: ${(cause as Error).message}`, { cause });
    }
  }
  return {
    async write(batch) {
      // Concurrent: each table is its own insert; the batch is durable when all have resolved.
      await Promise.all([
        insert(TABLES.settlements, batch.settlements),
        insert(TABLES.items, batch.items),
        insert(TABLES.alerts, batch.alerts),
        insert(TABLES.deadLetters, batch.deadLetters),
        insert(TABLES.traceCodes, batch.traceCodes),
        insert(TABLES.persons, batch.persons),
      ]);
    },
  };
}
