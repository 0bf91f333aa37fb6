/**
 * `npm run bench -- [--settlements 200000]`: end-to-end settlements per second through the whole
 * pipeline (publish → JetStream → validate → detect → ClickHouse → ack), beside the raw JetStream
 * publish and consume rates of the same machine in the same run, and peak RSS.
 * `--write-readme` replaces the figures between the bench markers of README.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { positiveInt } from './cli-options.js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import { resolveConfig } from '../pipeline/config.js';
import { reportError } from '../pipeline/entry-support.js';
import { writeReadmeSection } from './readme-section.js';
import { createLogger } from '../pipeline/logger.js';
import { startRuntime } from '../pipeline/runtime.js';
import { waitForConsumer } from '../pipeline/stream/drain.js';
import { createSettlementPublisher } from '../pipeline/stream/settlement-publisher.js';
import { measureRawJetStream } from './bench/raw-jetstream.js';
import { peakRssMiB, peakRssOfPidMiB } from './bench/memory.js';
import { simulate } from './simulator/traffic.js';


const program = new Command()
  .name('bench')
  .description('Measures end-to-end pipeline throughput beside raw JetStream rates and peak RSS, and prints the figures.\n基准测试：端到端吞吐、JetStream 原始速率与内存峰值。')
  .option('--settlements <n>', 'simulated settlements to push through', positiveInt, 200_000)
  .option('--seed <n>', 'simulator seed', positiveInt, 42)
  .option('--batch-size <n>', 'consumer batch size', positiveInt, 1000)
  .option('--write-readme', 'write the figures into README.md between the bench markers')
  .addHelpText('after', '\nThe run uses fresh temporary data directories and the embedded nats-server and chDB; it prints progress to stderr.');

interface Figures {
  settlements: number;
  bytesPerSettlement: number;
  rawPublishPerSecond: number;
  rawConsumePerSecond: number;
  pipelinePublishPerSecond: number;
  endToEndPerSecond: number;
  alerts: number;
  peakRssMiB: number;
  natsPeakRssMiB: number | undefined;
  machine: string;
  date: string;
}

interface Baseline {
  label: string;
  date: string;
  settlements: number;
  endToEndPerSecond: number;
  rawPublishPerSecond: number;
  rawConsumePerSecond: number;
}

/** The figure this build is compared with (`scripts/bench/baseline.json`, committed by hand when a milestone lands). */
function readBaseline(): Baseline | undefined {
  try {
    return JSON.parse(readFileSync(fileURLToPath(new URL('./bench/baseline.json', import.meta.url)), 'utf8')) as Baseline;
  } catch {
    return undefined;
  }
}

function table(f: Figures, baseline: Baseline | undefined): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const vsBaseline = baseline
    ? [
        `| previous end to end: ${baseline.label}, ${baseline.date}, ${n(baseline.settlements)} settlements (raw publish then ${n(baseline.rawPublishPerSecond)}/s) | ${n(baseline.endToEndPerSecond)} settlements/s |`,
        `| change against the previous figure | ${(((f.endToEndPerSecond - baseline.endToEndPerSecond) / baseline.endToEndPerSecond) * 100).toFixed(1)} % |`,
      ]
    : [];
  return [
    `Measured ${f.date} on ${f.machine}, ${n(f.settlements)} simulated settlements (${n(f.bytesPerSettlement)} bytes each on average):`,
    '',
    '| figure | value |',
    '|---|---|',
    `| raw JetStream publish (pipelined, file storage) | ${n(f.rawPublishPerSecond)} msgs/s |`,
    `| raw JetStream consume (fetch + JSON.parse + ack) | ${n(f.rawConsumePerSecond)} msgs/s |`,
    `| pipeline: publish while consuming | ${n(f.pipelinePublishPerSecond)} settlements/s |`,
    `| **pipeline end to end** (publish → validate → detect → ClickHouse → ack) | **${n(f.endToEndPerSecond)} settlements/s** |`,
    ...vsBaseline,
    `| alerts raised | ${n(f.alerts)} |`,
    `| peak RSS, pipeline process (Node + chDB) | ${n(f.peakRssMiB)} MiB |`,
    `| peak RSS, nats-server | ${f.natsPeakRssMiB === undefined ? 'n/a' : `${n(f.natsPeakRssMiB)} MiB`} |`,
  ].join('\n');
}

async function main(): Promise<void> {
  const opts = program.parse().opts();
  const say = (s: string): boolean => process.stderr.write(`${s}\n`);
  say(`generating ${opts.settlements} settlements…`);
  const catalogue = loadCatalogue();
  const lines: string[] = [];
  let bytes = 0;
  for (const r of simulate({ seed: opts.seed, settlements: opts.settlements, startTime: '2026-11-01T08:00:00+08:00', spanDays: Math.max(1, Math.ceil(opts.settlements / 100_000)), catalogue })) {
    const line = JSON.stringify(r.settlement);
    bytes += line.length;
    lines.push(line);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'yb-bench-'));
  try {
    const config = resolveConfig({ dataDir, consumer: { batchSize: opts.batchSize } });
    let alerts = 0;
    let processed = 0;
    const runtime = await startRuntime(config, {
      logger: createLogger({ level: process.env.YB_LOG_LEVEL ?? 'silent' }),
      startPipeline: false,
      onBatch: (o) => {
        alerts += o.alerts.length;
        processed += o.messages - o.retried;
      },
    });
    try {
      say('raw JetStream publish and consume…');
      const raw = await measureRawJetStream(runtime.nc, lines);
      say(`  publish ${Math.round(raw.publishPerSecond)}/s, consume ${Math.round(raw.consumePerSecond)}/s`);
      say('pipeline end to end…');
      const js = jetstream(runtime.nc);
      const jsm = await jetstreamManager(runtime.nc);
      const publisher = createSettlementPublisher(js, config.stream);
      await runtime.pipeline.start();
      const t0 = performance.now();
      const progress = setInterval(() => say(`  processed ${processed}/${lines.length}`), 2000);
      for (const line of lines) await publisher.publishLine(line);
      const pub = await publisher.flush();
      const tPublished = performance.now();
      await waitForConsumer(jsm, config.stream.name, config.consumer.durable, pub.lastSeq, { timeoutMs: 3_600_000 });
      const t1 = performance.now();
      clearInterval(progress);
      const figures: Figures = {
        settlements: lines.length,
        bytesPerSettlement: bytes / lines.length,
        rawPublishPerSecond: raw.publishPerSecond,
        rawConsumePerSecond: raw.consumePerSecond,
        pipelinePublishPerSecond: lines.length / ((tPublished - t0) / 1000),
        endToEndPerSecond: lines.length / ((t1 - t0) / 1000),
        alerts,
        peakRssMiB: peakRssMiB(),
        natsPeakRssMiB: runtime.embeddedNats ? peakRssOfPidMiB(runtime.embeddedNats.pid) : undefined,
        machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
        date: new Date().toISOString().slice(0, 10),
      };
      const text = table(figures, readBaseline());
      process.stdout.write(`\n${text}\n\n`);
      if (opts.writeReadme) {
        writeReadmeSection('bench', `${text}\n\nCommand: \`npm run bench -- --settlements ${opts.settlements} --write-readme\``);
        say('README.md updated');
      }
    } finally {
      await runtime.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => process.exit(reportError(err)),
);
