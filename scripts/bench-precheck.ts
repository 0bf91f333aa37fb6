/**
 * `npm run bench:precheck`: latency of the pre-event check at a fixed offered rate while the
 * stream is replayed at full speed on the same machine, the replay and the requests each from a
 * process of its own (`publish-file.ts`, `precheck-load.ts`, open loop). Prints p50, p99 and max
 * over NATS, then over HTTP. `--write-readme` puts the table into README.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { positiveInt } from './cli-options.js';
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { jetstream } from '@nats-io/jetstream';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import { resolveConfig } from '../pipeline/config.js';
import { reportError } from '../pipeline/entry-support.js';
import { writeReadmeSection } from './readme-section.js';
import { createLogger } from '../pipeline/logger.js';
import type { LoadFigures } from './precheck-load.js';
import { startRuntime } from '../pipeline/runtime.js';
import { createSettlementPublisher } from '../pipeline/stream/settlement-publisher.js';
import { simulate } from './simulator/traffic.js';


const program = new Command()
  .name('bench-precheck')
  .description('Pre-event check latency (p50/p99/max) over NATS and HTTP at a fixed offered rate while the stream replays at full speed.\n事前提醒延迟基准。')
  .option('--rate <n>', 'requests per second offered', positiveInt, 1000)
  .option('--seconds <n>', 'seconds per transport', positiveInt, 10)
  .option('--history <n>', 'settlements processed before measuring (state to check against)', positiveInt, 30_000)
  .option('--stream <n>', 'settlements replayed at full speed during the measurement', positiveInt, 200_000)
  .option('--write-readme', 'write the table into README.md between the precheck markers');

interface Figures extends LoadFigures {
  transport: string;
  streamed: number;
  /** The pipeline process's event-loop delay during the measurement, ms: p99 and max. */
  loopP99: number;
  loopMax: number;
}

const errorText = (errors: Record<string, number>): string => {
  const n = Object.values(errors).reduce((a, b) => a + b, 0);
  return n ? `${n} (${Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join(', ')})` : '0';
};

async function main(): Promise<void> {
  const opts = program.parse().opts();
  const dataDir = mkdtempSync(join(tmpdir(), 'yb-bench-precheck-'));
  const config = resolveConfig({ dataDir, http: { port: 0 } });
  let processed = 0;
  const runtime = await startRuntime(config, { logger: createLogger({ level: 'warn' }), http: true, onBatch: (o) => (processed += o.messages - o.retried) });
  const say = (s: string): boolean => process.stderr.write(`${s}\n`);
  try {
    const catalogue = loadCatalogue();
    const lines: string[] = [];
    const drafts: string[] = [];
    for (const r of simulate({ seed: 9, settlements: opts.history + opts.stream, startTime: '2026-11-01T08:00:00+08:00', spanDays: 20, catalogue })) {
      lines.push(JSON.stringify(r.settlement));
      if (drafts.length < 5000 && lines.length % 7 === 0) {
        const { setl_id: _id, ...draft } = r.settlement;
        drafts.push(JSON.stringify(draft));
      }
    }
    const publisher = createSettlementPublisher(jetstream(runtime.nc), config.stream, 2000);
    say(`building history: ${opts.history} settlements…`);
    for (const line of lines.slice(0, opts.history)) await publisher.publishLine(line);
    await publisher.flush();
    while (processed < opts.history) await new Promise((r) => setTimeout(r, 50));

    // The stream replays at full speed for the whole measurement, from another process (as a
    // HIS or the replay tool would), with its own connection.
    const streamFile = join(dataDir, 'stream.ndjson');
    writeFileSync(streamFile, `${lines.slice(opts.history).join('\n')}\n`);
    const replay = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./publish-file.ts', import.meta.url)), streamFile], {
      env: { ...process.env, NATS_URL: runtime.natsUrl },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const replayDone = new Promise<void>((resolve) => replay.once('exit', () => resolve()));
    // How long the pipeline's own event loop was held: a latency tail the loop does not explain is elsewhere.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const draftsFile = join(dataDir, 'drafts.ndjson');
    writeFileSync(draftsFile, `${drafts.join('\n')}\n`);
    while (processed < opts.history + 1000) await new Promise((r) => setTimeout(r, 20));

    // The requests come from another process too (scripts/precheck-load.ts), as a workstation's
    // would: the pipeline's event loop serves them, and does not also generate them.
    const measure = async (transport: 'nats' | 'http'): Promise<Figures> => {
      say(`${transport}: ${opts.rate}/s for ${opts.seconds}s while the stream replays…`);
      const startProcessed = processed;
      loop.reset();
      const target = transport === 'nats' ? runtime.natsUrl : runtime.httpUrl!;
      const load = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('./precheck-load.ts', import.meta.url)), '--transport', transport, '--target', target, '--drafts', draftsFile, '--rate', String(opts.rate), '--seconds', String(opts.seconds)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      load.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve) => load.once('exit', resolve));
      if (code !== 0) throw new Error(`precheck-load (${transport}) exited with ${code}: ${out}`);
      const f = JSON.parse(out.trim().split('\n').pop()!) as LoadFigures;
      return { transport, ...f, streamed: processed - startProcessed, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6 };
    };
    const nats = await measure('nats');
    const http = await measure('http');
    replay.kill('SIGTERM');
    await replayDone;
    const ms = (x: number): string => x.toFixed(1);
    const table = [
      `Measured ${new Date().toISOString().slice(0, 10)}: ${opts.rate} requests/s offered for ${opts.seconds} s per transport, against the state of ${opts.history.toLocaleString('en-US')} settlements, while another process replayed the stream at full speed (the last columns: settlements processed during each measurement, and how long the pipeline's event loop was held); pipeline, nats-server, chDB, the replaying process and the load generator (a process of its own) on the same 2 cores.`,
      '',
      '| transport | answered | errors | p50 ms | p99 ms | max ms | settlements processed meanwhile | pipeline event-loop delay p99 / max ms |',
      '|---|---|---|---|---|---|---|---|',
      ...[nats, http].map((f) => `| ${f.transport === 'nats' ? 'NATS request (yb.precheck)' : 'HTTP POST /precheck'} | ${f.answered}/${f.sent} | ${errorText(f.errors)} | ${ms(f.p50)} | ${ms(f.p99)} | ${ms(f.max)} | ${f.streamed.toLocaleString('en-US')} | ${ms(f.loopP99)} / ${ms(f.loopMax)} |`),
      '',
      `Command: \`npm run bench:precheck -- --rate ${opts.rate} --seconds ${opts.seconds} --history ${opts.history} --stream ${opts.stream}\``,
    ].join('\n');
    process.stdout.write(`\n${table}\n`);
    if (opts.writeReadme) {
      writeReadmeSection('precheck', table);
    }
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => process.exit(reportError(err)),
);
