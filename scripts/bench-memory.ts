/**
 * `npm run bench:memory -- [--settlements 2000000] [--days 540]`: streams simulated settlements
 * through the whole pipeline (embedded nats-server and chDB) and prints, as it goes, the
 * resident memory and the detectors' state size, to show that state levels off in event time
 * instead of growing with the stream. `--write-readme` puts the table into README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { positiveInt } from './cli-options.js';
import { jetstream } from '@nats-io/jetstream';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import { resolveConfig } from '../pipeline/config.js';
import { reportError } from '../pipeline/entry-support.js';
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
  .option('--write-readme', 'write the table into README.md between the memory markers');

async function main(): Promise<void> {
  const opts = program.parse().opts();
  const dataDir = mkdtempSync(join(tmpdir(), 'yb-bench-memory-'));
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
    const restartStarted = performance.now();
    const again = await startRuntime(config, { logger: createLogger({ level: 'warn' }) });
    const restartMs = Math.round(performance.now() - restartStarted);
    const rebuilt = again.pipeline.status().rebuild;
    await again.close();
    const perKind = Object.entries(s.stateSize).map(([k, v]) => `${k} ${v?.keys ?? 0}/${v?.entries ?? 0}`).join(', ');
    const summary = [
      header,
      ...rows,
      '',
      `Restart on the same data directory: ${restartMs} ms in all, of which rebuilding state from ClickHouse ${rebuilt?.elapsedMs ?? 0} ms (${(rebuilt?.settlements ?? 0).toLocaleString('en-US')} settlements within the lookback).`,
      `State at the end (keys/entries): ${perKind}. Peak RSS: pipeline process ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB, nats-server ${natsPeak === undefined ? 'n/a' : Math.round(natsPeak)} MiB.`,
      `Command: \`npm run bench:memory -- --settlements ${opts.settlements} --days ${opts.days}\` (${new Date().toISOString().slice(0, 10)}, ${Math.round((performance.now() - t0) / 1000)} s).`,
    ].join('\n');
    process.stdout.write(`\n${summary}\n`);
    if (opts.writeReadme) {
      writeReadmeSection('memory', summary);
    }
  } finally {
    await runtime.close(); // idempotent: already closed on the normal path
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => process.exit(reportError(err)),
);
