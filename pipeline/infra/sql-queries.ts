/**
 * Named read queries from `sql/queries/<name>.sql` (ClickHouse `{param:Type}` parameters), read
 * once and run through `@clickhouse/client`, so chDB and a ClickHouse server run the same text.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SQL_DIR } from './migrations.js';

export const QUERY_NAMES = [
  'alert_list',
  'alert_count',
  'newest_event_time',
  'alert_by_id',
  'alert_labels',
  'alert_reviews',
  'alert_regions',
  'settlements_by_id',
  'settlement_items',
  'overview_alerts_by_day',
  'overview_amount_by_region',
  'overview_top_facilities',
  'overview_top_doctors',
  'overview_dead_letters',
  'overview_totals',
  'rebuild_bounds',
  'rebuild_chunk',
] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

const QUERY_DIR = join(SQL_DIR, 'queries');
const cache = new Map<QueryName, string>();

/** The query text without comment lines and the final `;`. */
export function queryText(name: QueryName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(QUERY_DIR, `${name}.sql`), 'utf8')
      .split('\n')
      .filter((line) => !line.trim().startsWith('--'))
      .join('\n')
      .trim()
      .replace(/;$/, '');
    cache.set(name, text);
  }
  return text;
}

export async function runQuery<T>(client: ClickHouseClient, name: QueryName, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await client.query({ query: queryText(name), query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}
