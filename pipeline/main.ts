/**
 * Entry point of the detector service (`npm start`): reads the environment and flags, starts the
 * runtime, and owns signals and exit codes. Everything else is in `createPipeline`/`startRuntime`.
 */
import { readFileSync } from 'node:fs';
import { Command } from '@commander-js/extra-typings';
import { resolveConfig, type ConfigInput } from './config.js';
import { ConfigError } from './errors.js';
import { createLogger } from './logger.js';
import { startRuntime } from './runtime.js';
import { configFromEnv, reportError } from './entry-support.js';

const program = new Command()
  .name('yibao-sentinel')
  .description('Runs the detector service: consumes settlements from NATS JetStream, detects, writes ClickHouse and the live alert feed.\n运行事中预警服务。')
  .option('--config <file>', 'JSON configuration file (see README: Configuration)')
  .option('--catalogue <file>', 'catalogue JSON replacing the default knowledge base')
  .option('--data-dir <dir>', 'data directory for the embedded nats-server and chDB (default ./data)')
  .addHelpText('after', '\nEnvironment: NATS_URL, CLICKHOUSE_URL, YB_DATA_DIR, YB_CATALOGUE, YB_LOG_LEVEL.');

function readConfigFile(path: string): ConfigInput {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ConfigInput;
  } catch (cause) {
    throw new ConfigError('YB_CONFIG_INVALID', `无法读取配置文件 / cannot read configuration ${path}: ${(cause as Error).message}`, [], { cause });
  }
}

async function main(): Promise<void> {
  const opts = program.parse().opts();
  const input: ConfigInput = {
    ...(opts.config ? readConfigFile(opts.config) : {}),
    ...configFromEnv(),
    ...(opts.catalogue ? { cataloguePath: opts.catalogue } : {}),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
  };
  const config = resolveConfig(input);
  const logger = createLogger({ level: config.logLevel });
  const runtime = await startRuntime(config, { logger, natsMonitoring: true, http: true });
  logger.info(
    { nats: runtime.natsUrl, http: runtime.httpUrl, natsMonitor: runtime.embeddedNats?.monitorUrl, clickhouse: runtime.clickhouseDescription, catalogue: runtime.catalogue.source, entries: runtime.catalogue.size },
    'yibao-sentinel running: dashboard at the http URL; publish settlements on yb.setl.<admdvs>.<partition>',
  );
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    runtime.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => process.exit(reportError(err)));
