/**
 * Applies the numbered migrations of `sql/` (`NNN_name.sql`) in order at start-up and records them
 * in `schema_migrations`. Every statement is idempotent (`IF NOT EXISTS`), so a half-applied
 * migration is simply applied again.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** Splits a file into statements at `;` ending a line; drops comment-only fragments. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.split('\n').some((line) => line.trim() && !line.trim().startsWith('--')));
}

export function readMigrations(dir = SQL_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.replace(/\.sql$/, ''),
      statements: splitStatements(readFileSync(join(dir, file), 'utf8')),
    }));
}

export async function applyMigrations(client: ClickHouseClient, dir = SQL_DIR): Promise<Migration[]> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC')) ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const rs = await client.query({ query: 'SELECT version FROM schema_migrations FINAL', format: 'JSONEachRow' });
  const applied = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
  const pending = readMigrations(dir).filter((m) => !applied.has(m.version));
  for (const m of pending) {
    for (const statement of m.statements) {
      try {
        await client.command({ query: statement });
      } catch (cause) {
        throw new ConfigError('YB_MIGRATION_FAILED', `ClickHouse 迁移失败 / migration ${m.name} failed: ${(cause as Error).message}`, [], { cause });
      }
    }
    await client.insert({ table: 'schema_migrations', values: [{ version: m.version, name: m.name, applied_at: Date.now() }], format: 'JSONEachRow' });
  }
  return pending;
}
