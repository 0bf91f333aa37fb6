/**
 * `npm run bench:precheck`: latency of the pre-event check at a fixed offered rate while the
 * stream is replayed at full speed on the same machine. Open loop: requests are sent on a fixed
 * schedule whatever the answers, so slow answers cannot hide behind a lower rate. Prints p50, p99
 * and max over NATS, then over HTTP. `--write-readme` puts the table into README.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { positiveInt } from './cli-options.js';
import { spawn } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { quantileSorted } from 'simple-statistics';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import { resolveConfig } from '../pipeline/config.js';
import { reportError } from '../pipeline/entry-support.js';
import { writeReadmeSection } from './readme-section.js';
import { createLogger } from '../pipeline/logger.js';
import { PRECHECK_SUBJECT } from '../pipeline/precheck/precheck-service.js';
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

interface Figures { transport: string; sent: number; answered: number; errors: number; p50: number; p99: number; max: number; streamed: number }

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
    // Requests come from their own connection too, like a workstation's.
    const client = await connect({ servers: runtime.natsUrl, noAsyncTraces: true });
    while (processed < opts.history + 1000) await new Promise((r) => setTimeout(r, 20));

    const measure = async (transport: 'nats' | 'http'): Promise<Figures> => {
      say(`${transport}: ${opts.rate}/s for ${opts.seconds}s while the stream replays…`);
      const latencies: number[] = [];
      let errors = 0;
      const inflight: Promise<void>[] = [];
      const total = opts.rate * opts.seconds;
      const startProcessed = processed;
      const t0 = performance.now();
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / opts.rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const body = drafts[i % drafts.length]!;
        const sent = performance.now();
        const p =
          transport === 'nats'
            ? client.request(PRECHECK_SUBJECT, body, { timeout: 10_000 }).then((m) => {
                if (m.headers?.get('Nats-Service-Error-Code')) errors += 1;
              })
            : fetch(`${runtime.httpUrl}/precheck`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => {
                await r.arrayBuffer();
                if (r.status !== 200) errors += 1;
              });
        inflight.push(p.then(() => void latencies.push(performance.now() - sent), () => void (errors += 1)));
      }
      await Promise.all(inflight);
      latencies.sort((a, b) => a - b);
      return {
        transport,
        sent: total,
        answered: latencies.length,
        errors,
        p50: quantileSorted(latencies, 0.5),
        p99: quantileSorted(latencies, 0.99),
        max: latencies.at(-1) ?? 0,
        streamed: processed - startProcessed,
      };
    };
    const nats = await measure('nats');
    const http = await measure('http');
    replay.kill('SIGTERM');
    await replayDone;
    await client.close();
    const ms = (x: number): string => x.toFixed(1);
    const table = [
      `Measured ${new Date().toISOString().slice(0, 10)}: ${opts.rate} requests/s offered for ${opts.seconds} s per transport, against the state of ${opts.history.toLocaleString('en-US')} settlements, while another process replayed the stream at full speed (settlements processed during each measurement in the last column); pipeline, nats-server, chDB, the replaying process and the load generator on the same 2 cores.`,
      '',
      '| transport | requests | errors | p50 ms | p99 ms | max ms | settlements processed meanwhile |',
      '|---|---|---|---|---|---|---|',
      ...[nats, http].map((f) => `| ${f.transport === 'nats' ? 'NATS request (yb.precheck)' : 'HTTP POST /precheck'} | ${f.answered}/${f.sent} | ${f.errors} | ${ms(f.p50)} | ${ms(f.p99)} | ${ms(f.max)} | ${f.streamed.toLocaleString('en-US')} |`),
      '',
      `Command: \`npm run bench:precheck -- --rate ${opts.rate} --seconds ${opts.seconds}\``,
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
