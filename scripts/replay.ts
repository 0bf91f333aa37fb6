/**
 * `npm run replay -- --input settlements.ndjson --out alerts.ndjson [--persons persons.ndjson] [--catalogue catalogue.json]`
 * A file of settlements through the real pipeline (see `../shared/contracts/interfaces.md`).
 */
import { createWriteStream } from 'node:fs';
import { Command } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { createLogger } from '../pipeline/logger.js';
import { replayFile, type ReplaySummary } from '../pipeline/replay.js';
import { configFromEnv, EXIT, reportError } from '../pipeline/entry-support.js';

const program = new Command()
  .name('replay')
  .description('Sends every line of an NDJSON file of settlements through NATS JetStream into the pipeline (detectors, ClickHouse) and writes the alerts of phase "in".\n回放：把结算文件逐行经 NATS 送入真实流水线，输出事中预警。')
  .requiredOption('--input <file>', 'settlements, one JSON per line (bad lines are rejected and counted, never fatal)')
  .requiredOption('--out <file>', 'where to write the alerts of phase "in", one JSON per line')
  .option('--persons <file>', 'person status lines {psn_no, death_date}, loaded before the first settlement')
  .option('--catalogue <file>', 'catalogue JSON replacing the default knowledge base for this run')
  .option('--data-dir <dir>', 'keep state in this directory instead of a fresh temporary one')
  .option('--quiet', 'no progress bar')
  .addHelpText('after', '\nEnvironment: NATS_URL (default: start an embedded nats-server), CLICKHOUSE_URL (default: embedded chDB), YB_LOG_LEVEL (default: warn).\nExit codes: 0 done, 1 failure, 2 input unreadable, 3 bad configuration/catalogue, 4 nats-server missing.');

function printSummary(s: ReplaySummary, out: string): void {
  const lines = [
    '',
    '回放完成 / replay done',
    `  输入行数 lines read            ${s.lines}${s.blankLines ? ` (${s.blankLines} blank, skipped)` : ''}`,
    `  已发布 published               ${s.published}${s.duplicates ? ` (${s.duplicates} repeated setl_id, stored once)` : ''}`,
    `  通过校验 accepted              ${s.accepted}`,
    `  拒收 rejected                  ${Object.values(s.rejected).reduce((a, b) => a + b, 0)}`,
    ...Object.entries(s.rejected).sort().map(([k, v]) => `    ${k.padEnd(28)} ${v}`),
    `  预警 alerts (phase in)         ${s.alerts} → ${out}`,
    ...Object.entries(s.alertsByKind).sort().map(([k, v]) => `    ${k.padEnd(28)} ${v}`),
    `  目录未收录编码 unknown codes   ${s.unknownCodes}`,
    ...(s.persons ? [`  人员状态 persons loaded        ${s.persons}`] : []),
    `  用时 elapsed                   ${(s.elapsedMs / 1000).toFixed(2)} s`,
    `  吞吐 settlements/s             ${s.settlementsPerSecond}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

async function main(): Promise<number> {
  const opts = program.parse().opts();
  const env = configFromEnv();
  const logger = createLogger({ level: env.logLevel ?? 'warn' });
  const bar = !opts.quiet && process.stderr.isTTY ? new cliProgress.SingleBar({ format: '回放 replay |{bar}| {value}/{total} settlements', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
  let barStarted = false;
  const result = await replayFile({
    input: opts.input,
    ...(opts.persons ? { personsPath: opts.persons } : {}),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    config: { ...env, ...(opts.catalogue ? { cataloguePath: opts.catalogue } : {}) },
    logger,
    onProgress: (done, total) => {
      if (!bar) return;
      if (!barStarted) {
        bar.start(total, done);
        barStarted = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
  });
  bar?.stop();
  const out = createWriteStream(opts.out);
  for (const a of result.alerts) out.write(`${JSON.stringify(a)}\n`);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  printSummary(result.summary, opts.out);
  return EXIT.ok;
}

main().then(
  (code) => process.exit(code),
  (err) => process.exit(reportError(err)),
);
