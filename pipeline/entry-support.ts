/**
 * What every script shares: configuration from the environment (read only in entry points),
 * exit codes, and printing errors people can act on.
 */
import type { ConfigInput } from './config.js';
import { ConfigError, EnvironmentError, InputError } from './errors.js';

/** Configuration from the environment: `NATS_URL`, `CLICKHOUSE_URL`, `YB_DATA_DIR`, `YB_CATALOGUE`, `YB_LOG_LEVEL`, `YB_HTTP_HOST`, `YB_HTTP_PORT`, `YB_HTTP_CREDENTIAL`. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigInput {
  const out: ConfigInput = {};
  if (env.NATS_URL) out.natsUrl = env.NATS_URL;
  if (env.CLICKHOUSE_URL) out.clickhouseUrl = env.CLICKHOUSE_URL;
  if (env.YB_DATA_DIR) out.dataDir = env.YB_DATA_DIR;
  if (env.YB_CATALOGUE) out.cataloguePath = env.YB_CATALOGUE;
  if (env.YB_LOG_LEVEL) out.logLevel = env.YB_LOG_LEVEL;
  if (env.YB_HTTP_HOST || env.YB_HTTP_PORT || env.YB_HTTP_CREDENTIAL) {
    out.http = {
      ...(env.YB_HTTP_HOST ? { host: env.YB_HTTP_HOST } : {}),
      ...(env.YB_HTTP_PORT ? { port: Number(env.YB_HTTP_PORT) } : {}),
      ...(env.YB_HTTP_CREDENTIAL ? { credential: env.YB_HTTP_CREDENTIAL } : {}),
    };
  }
  return out;
}

/** Exit codes shared by the scripts. */
export const EXIT = { ok: 0, failure: 1, badInput: 2, badConfig: 3, environment: 4 } as const;

/** Prints an error for a person and returns the exit code it deserves. */
export function reportError(err: unknown): number {
  const e = err as Error;
  process.stderr.write(`\n错误 / error: ${e.message}\n`);
  if (err instanceof InputError) return EXIT.badInput;
  if (err instanceof ConfigError) return EXIT.badConfig;
  if (err instanceof EnvironmentError) return EXIT.environment;
  if (e.stack && process.env.YB_DEBUG) process.stderr.write(`${e.stack}\n`);
  return EXIT.failure;
}
