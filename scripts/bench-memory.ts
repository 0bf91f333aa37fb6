/**
 * `npm run bench:memory -- [--settlements 2000000] [--days 540]`: streams simulated settlements
 * through the whole pipeline (embedded nats-server and chDB) and prints, as it goes, the
 * resident memory and the detectors' state size, to show that state levels off in event time
 * instead of growing with the stream, then times a restart in a new process (the state rebuilt
 * from ClickHouse).
 * `--write-readme` puts the table into README.md. `--data-dir D` keeps the data; `--restart-only`
 * then times the restart of D alone (for profiling it: `node --cpu-prof --import tsx …`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { positiveInt } from './cli-options.js';
import { jetstream } from '@nats-io/jetstream';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import { resolveConfig, type SentinelConfig } from '../pipeline/config.js';
import { reportError } from '../pipeline/entry-support.js';
import { InputError } from '../pipeline/errors.js';
import { writeReadmeSection } from './readme-section.js';
import { createLogger } from '../pipeline/logger.js';
import { startRuntime } from '../pipeline/runtime.js';
import { createSettlementPublisher } from '../pipeline/stream/settlement-publisher.js';
import { peakRssOfPidMiB } from './bench/memory.js';
import { simulate } from './simulator/traffic.js';


const program = new Command()
  .name('bench-memory')
  .description('Streams simulated settlements through the pipeline and prints RSS and state size over time.\n内存基准：长时间运行时内存与状态规模的变化。')
  .option('--settlements <n>', 'settlements to stream', positiveInt, 2_000_000)
  .option('--days <n>', 'event-time span (longer than the detectors\' lookback, so eviction shows)', positiveInt, 540)
  .option('--every <n>', 'print a line every n settlements processed', positiveInt, 100_000)
  .option('--seed <n>', 'simulator seed', positiveInt, 42)
  .option('--write-readme', 'write the table into README.md between the memory markers')
  .option('--data-dir <dir>', 'data directory to use and keep (default: a temporary one, removed at the end)')
  .option('--restart-only', 'only time a restart on the existing --data-dir (nothing is streamed)')
  .option('--json', 'with --restart-only: print the figures as one JSON line');

interface Restart {
  restartMs: number;
  rebuildMs: number;
  settlements: number;
  /** Peak resident memory of the restarted process. */
  peakRssMiB: number;
}

/** Starts a runtime on `config`'s data directory, which rebuilds state from ClickHouse, and closes it. */
async function timeRestart(config: Readonly<SentinelConfig>): Promise<Restart> {
  const started = performance.now();
  const again = await startRuntime(config, { logger: createLogger({ level: 'warn' }) });
  const restartMs = Math.round(performance.now() - started);
  const rebuilt = again.pipeline.status().rebuild;
  await again.close();
  return { restartMs, rebuildMs: rebuilt?.elapsedMs ?? 0, settlements: rebuilt?.settlements ?? 0, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

/** A restart as in production: a new process (this script with `--restart-only`) on the data directory. */
function restartInNewProcess(dataDir: string): Restart {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--data-dir', dataDir, '--restart-only', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`the restarted process failed (exit ${r.status ?? r.signal}): ${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Restart;
}

const restartLine = (r: Restart): string =>
  `Restart in a new process on the same data directory: ${r.restartMs} ms in all, of which rebuilding state from ClickHouse ${r.rebuildMs} ms (${r.settlements.toLocaleString('en-US')} settlements within the lookback); its peak RSS ${r.peakRssMiB} MiB.`;

async function main(): Promise<void> {
  const opts = program.parse().opts();
  if (opts.restartOnly) {
    if (!opts.dataDir || !existsSync(opts.dataDir)) throw new InputError('YB_INPUT_UNREADABLE', `--restart-only 需要已有数据的 --data-dir / --restart-only needs an existing --data-dir (got ${opts.dataDir ?? 'none'})`);
    const r = await timeRestart(resolveConfig({ dataDir: opts.dataDir }));
    process.stdout.write(`${opts.json ? JSON.stringify(r) : restartLine(r)}\n`);
    return;
  }
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'yb-bench-memory-'));
  const config = resolveConfig({ dataDir });
  let processed = 0;
  let nextLine = opts.every;
  const rows: string[] = [];
  const t0 = performance.now();
  const runtime = await startRuntime(config, {
    logger: createLogger({ level: process.env.YB_LOG_LEVEL ?? 'warn' }),
    onBatch: (o) => {
      processed += o.messages - o.retried;
      if (processed >= nextLine) {
        nextLine += opts.every;
        const s = runtime.pipeline.status();
        const entries = Object.values(s.stateSize).reduce((a, b) => a + (b?.entries ?? 0), 0);
        const keys = Object.values(s.stateSize).reduce((a, b) => a + (b?.keys ?? 0), 0);
        const mem = process.memoryUsage();
        const row = `| ${processed.toLocaleString('en-US')} | ${s.lastEventTime?.slice(0, 10) ?? ''} | ${Math.round((performance.now() - t0) / 1000)} | ${Math.round(mem.rss / 2 ** 20)} | ${Math.round(mem.heapUsed / 2 ** 20)} | ${keys.toLocaleString('en-US')} | ${entries.toLocaleString('en-US')} | ${s.traceCodesCached.toLocaleString('en-US')} |`;
        rows.push(row);
        process.stdout.write(`${row}\n`);
      }
    },
  });
  const header = '| settlements processed | event time | elapsed s | RSS MiB | heap MiB | state keys | state entries | trace codes cached |\n|---|---|---|---|---|---|---|---|';
  process.stdout.write(`${header}\n`);
  try {
    const publisher = createSettlementPublisher(jetstream(runtime.nc), config.stream, 2000);
    for (const r of simulate({ seed: opts.seed, settlements: opts.settlements, startTime: '2025-06-01T08:00:00+08:00', spanDays: opts.days, catalogue: loadCatalogue() })) {
      await publisher.publishLine(JSON.stringify(r.settlement));
      // Keep the stream at most ~50k ahead of the pipeline, so memory measures the pipeline, not a backlog in this process.
      while (publisher.stats().published - processed > 50_000) await new Promise((res) => setTimeout(res, 20));
    }
    await publisher.flush();
    while (processed < opts.settlements) await new Promise((res) => setTimeout(res, 100));
    const s = runtime.pipeline.status();
    const natsPeak = runtime.embeddedNats ? peakRssOfPidMiB(runtime.embeddedNats.pid) : undefined;
    // Restart time: a new runtime on the same data directory rebuilds state from ClickHouse.
    await runtime.close();
    const restart = restartInNewProcess(dataDir);
    const perKind = Object.entries(s.stateSize).map(([k, v]) => `${k} ${v?.keys ?? 0}/${v?.entries ?? 0}`).join(', ');
    const summary = [
      header,
      ...rows,
      '',
      restartLine(restart),
      `State at the end (keys/entries): ${perKind}. Peak RSS: streaming process ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB, nats-server ${natsPeak === undefined ? 'n/a' : Math.round(natsPeak)} MiB.`,
      `Command: \`npm run bench:memory -- --settlements ${opts.settlements} --days ${opts.days}\` (${new Date().toISOString().slice(0, 10)}, ${Math.round((performance.now() - t0) / 1000)} s).`,
    ].join('\n');
    process.stdout.write(`\n${summary}\n`);
    if (opts.writeReadme) {
      writeReadmeSection('memory', summary);
    }
  } finally {
    await runtime.close(); // idempotent: already closed on the normal path
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => process.exit(reportError(err)),
);
