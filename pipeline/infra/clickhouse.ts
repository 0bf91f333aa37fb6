/**
 * The ClickHouse connection: with no URL, embedded chDB persisted in the data directory; with
 * one, a ClickHouse server or cluster. Both go through `@clickhouse/client` and the same SQL.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ClickHouseOptions {
  /** `http(s)://user:pass@host:8123/database`; absent: embedded chDB. */
  url?: string;
  /** Data directory of the embedded engine (ignored with `url`). */
  dataDir: string;
}

export interface ClickHouseHandle {
  readonly client: ClickHouseClient;
  /** `chdb:<path>` or the server URL without credentials. */
  readonly description: string;
  readonly embedded: boolean;
}

/**
 * chdb 3.4 types its connection against `@clickhouse/client-common` 1.23.0 while
 * `@clickhouse/client` 1.23.1 bundles its own copy of the same interfaces; they differ only in
 * settings typings. The object is the documented plug-in, so the cast is sound.
 */
type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

export function clickhouseDir(dataDir: string): string {
  return join(dataDir, 'clickhouse');
}

export function openClickHouse(options: ClickHouseOptions): ClickHouseHandle {
  if (options.url) {
    const u = new URL(options.url);
    const description = `${u.protocol}//${u.host}${u.pathname}`;
    return {
      client: createClient({ url: options.url, clickhouse_settings: { date_time_input_format: 'best_effort' } }),
      description,
      embedded: false,
    };
  }
  const path = clickhouseDir(options.dataDir);
  mkdirSync(path, { recursive: true });
  return {
    client: createClient({ connection: createChdbConnection({ path }) as unknown as ClientConnection, clickhouse_settings: { date_time_input_format: 'best_effort' } }),
    description: `chdb:${path}`,
    embedded: true,
  };
}
