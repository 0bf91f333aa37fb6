/**
 * `npm run simulate -- --out settlements.ndjson [--seed 42] [--settlements 10000] [--days 7] …`
 * Writes a seeded stream of synthetic settlements (NDJSON, ascending event time but for deliberate
 * late uploads), the labels of the injected cases, and the person status (deaths) the `rx.deceased`
 * cases rely on — load those first: `npm run replay -- --input X.ndjson --persons X.persons.ndjson`.
 * Streams with backpressure: memory is bounded by the population, not the number of settlements.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { DEFAULT_CATALOGUE_PATH, loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import { ALERT_KINDS, type AlertKind } from '../pipeline/contracts/alert.js';
import { EXIT, reportError } from '../pipeline/entry-support.js';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { DEFAULT_STREAM } from '../pipeline/config.js';
import { EnvironmentError } from '../pipeline/errors.js';
import { createSettlementPublisher } from '../pipeline/stream/settlement-publisher.js';
import { createPacer } from './simulator/pacer.js';
import { labelLine } from './simulator/labels.js';
import { DEFAULT_INJECTION_RATE, simulate, simulatedDeaths, simulatorKinds, simulatorOptionProblems, type SimulatorOptions } from './simulator/traffic.js';

const integer = (name: string, min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
  return n;
};
const positive = (value: string): number => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('must be a positive number');
  return n;
};
const fraction = (value: string): number => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be between 0 and 1');
  return n;
};
const kindList = (value: string): AlertKind[] => {
  const kinds = value.split(',').map((k) => k.trim()).filter(Boolean);
  const known = simulatorKinds();
  for (const k of kinds) {
    if (!(known as string[]).includes(k)) throw new InvalidArgumentError(`unknown or non-injectable kind ${k} (injectable: ${known.join(', ')})`);
  }
  return kinds as AlertKind[];
};

const program = new Command()
  .name('simulate')
  .description(
    'Generates synthetic settlements (NDJSON, ascending setl_time) with labelled injected cases.\n模拟器：按种子生成结算流水（含带标注的注入违规案例）。',
  )
  .option('--seed <n>', 'random seed: the same options give the same output, byte for byte', integer('seed', 0), 42)
  .option('--settlements <n>', 'how many settlements (refunds and injected cases included)', integer('settlements', 0), 10000)
  .option('--start <iso>', 'event time of the first day, ISO 8601 with offset', '2026-11-01T08:00:00+08:00')
  .option('--days <n>', 'event-time span in days', positive, 7)
  .option('--injection-rate <x>', 'fraction of settlements that are injected cases', fraction, DEFAULT_INJECTION_RATE)
  .option('--kinds <list>', `comma-separated kinds to inject (default: all: ${simulatorKinds().join(',')})`, kindList)
  .option('--persons <n>', 'insured persons (default: settlements / 3, 500–300000)', integer('persons', 1))
  .option('--facilities <n>', 'facilities (default: settlements / 200, 24–3000)', integer('facilities', 1))
  .option('--catalogue <file>', 'catalogue JSON', DEFAULT_CATALOGUE_PATH)
  .addOption(new Option('--out <file.ndjson>', 'where to write the settlements').conflicts('stdout'))
  .option('--stdout', 'write the settlements to standard output instead of --out')
  .option('--labels <file.ndjson>', 'where to write one line {setl_id, kind, feedetl_sn?, also?, note} per injected case (default: <out without .ndjson>.labels.ndjson; none with --stdout)')
  .option('--person-status <file.ndjson>', 'where to write the deaths {psn_no, death_date} the rx.deceased cases rely on, for replay --persons (default: <out without .ndjson>.persons.ndjson; none with --stdout)')
  .option('--publish', 'publish live into the settlement stream (NATS_URL, default nats://127.0.0.1:4222) instead of writing a file; start the pipeline first (npm start)')
  .option('--rate <n>', 'with --publish: settlements per second (0: as fast as the server takes them)', (v: string) => {
    const n = Number(v);
    if (!(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number ≥ 0');
    return n;
  }, 100)
  .option('--quiet', 'no progress bar')
  .addHelpText('after', `\nKinds the simulator can inject: ${simulatorKinds().join(', ')}.\nExit codes: 0 done, 1 failure, 2 bad arguments, 3 catalogue invalid.`);

/** Buffered NDJSON writer that waits for 'drain' (bounded memory whatever the volume). */
function ndjsonWriter(stream: NodeJS.WritableStream) {
  let buffer = '';
  let bytes = 0;
  const flush = async () => {
    if (!buffer) return;
    const chunk = buffer;
    buffer = '';
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
  return {
    async write(value: unknown): Promise<void> {
      const line = `${JSON.stringify(value)}\n`;
      bytes += Buffer.byteLength(line);
      buffer += line;
      if (buffer.length >= 1 << 16) await flush();
    },
    get bytes() {
      return bytes;
    },
    async close(): Promise<void> {
      await flush();
      if (stream === process.stdout) return;
      const ws = stream as WriteStream;
      await new Promise<void>((resolve, reject) => ws.end((err?: Error | null) => (err ? reject(err) : resolve())));
    },
  };
}

function defaultLabelsPath(out: string): string {
  return `${out.replace(/\.ndjson$/, '')}.labels.ndjson`;
}

/** Where the person status (deaths) goes by default: beside the settlements, for `replay --persons`. */
function defaultPersonsPath(out: string): string {
  return `${out.replace(/\.ndjson$/, '')}.persons.ndjson`;
}

async function main(): Promise<number> {
  const opts = program.parse().opts();
  if (!opts.out && !opts.stdout && !opts.publish) {
    program.error('error: one of --out <file.ndjson>, --stdout or --publish is required', { exitCode: EXIT.badInput });
  }
  const catalogue = loadCatalogue(opts.catalogue);
  const options: SimulatorOptions = {
    seed: opts.seed,
    settlements: opts.settlements,
    startTime: opts.start,
    spanDays: opts.days,
    injectionRate: opts.injectionRate,
    catalogue,
    ...(opts.kinds ? { kinds: opts.kinds } : {}),
    ...(opts.persons ? { persons: opts.persons } : {}),
    ...(opts.facilities ? { facilities: opts.facilities } : {}),
  };
  const problems = simulatorOptionProblems(options);
  if (problems.length) program.error(`error: ${problems.join('; ')}`, { exitCode: EXIT.badInput });

  if (opts.publish) return publishLive(options, opts.rate, opts.labels);
  const labelsPath = opts.labels ?? (opts.out ? defaultLabelsPath(opts.out) : undefined);
  const personsPath = opts.personStatus ?? (opts.out ? defaultPersonsPath(opts.out) : undefined);
  const deaths = simulatedDeaths(options);
  if (personsPath) {
    const persons = ndjsonWriter(createWriteStream(personsPath));
    for (const d of deaths) await persons.write(d);
    await persons.close();
  }
  const out = ndjsonWriter(opts.stdout ? process.stdout : createWriteStream(opts.out as string));
  const labels = labelsPath ? ndjsonWriter(createWriteStream(labelsPath)) : undefined;
  const bar =
    !opts.quiet && process.stderr.isTTY
      ? new cliProgress.SingleBar({ format: '模拟 simulate |{bar}| {value}/{total} settlements', stream: process.stderr, noTTYOutput: false }, cliProgress.Presets.shades_classic)
      : undefined;
  bar?.start(opts.settlements, 0);

  const started = performance.now();
  const byMedType = new Map<string, number>();
  const injected = new Map<AlertKind, number>();
  let count = 0;
  let refunds = 0;
  let late = 0;
  for (const record of simulate(options)) {
    const s = record.settlement;
    count++;
    if (record.late) late++;
    if (s.setl_type === 'refund') refunds++;
    else byMedType.set(s.med_type, (byMedType.get(s.med_type) ?? 0) + 1);
    await out.write(s);
    if (record.label) {
      injected.set(record.label.kind, (injected.get(record.label.kind) ?? 0) + 1);
      await labels?.write(labelLine(s.setl_id, record.label));
    }
    if (bar && count % 1000 === 0) bar.update(count);
  }
  await out.close();
  await labels?.close();
  bar?.update(count);
  bar?.stop();

  const seconds = (performance.now() - started) / 1000;
  const injectedTotal = [...injected.values()].reduce((a, b) => a + b, 0);
  const lines = [
    '',
    '模拟完成 / simulation done',
    `  结算 settlements               ${count}${opts.out ? ` → ${opts.out}` : ' → stdout'}`,
    ...[...byMedType].sort().map(([k, v]) => `    med_type ${k.padEnd(19)} ${v}`),
    `    refunds                      ${refunds}`,
    `    late uploads                 ${late}`,
    `  注入案例 injected              ${injectedTotal}${labelsPath ? ` → ${labelsPath}` : ''}`,
    ...ALERT_KINDS.filter((k) => injected.has(k)).map((k) => `    ${k.padEnd(28)} ${injected.get(k) ?? 0}`),
    `  死亡人员 deaths               ${deaths.length}${personsPath ? ` → ${personsPath} (replay --persons)` : ''}`,
    `  用时 elapsed                   ${seconds.toFixed(2)} s (${Math.round(count / Math.max(seconds, 1e-9))} settlements/s)`,
    `  大小 bytes                     ${out.bytes} (${count ? Math.round(out.bytes / count) : 0} per settlement)`,
    '',
  ];
  process.stderr.write(lines.join('\n'));
  return EXIT.ok;
}

/** `--publish`: the same records, published live at a steady rate into the settlement stream. */
async function publishLive(options: SimulatorOptions, rate: number, labelsPath: string | undefined): Promise<number> {
  const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const nc = await connect({ servers: url.split(',') }).catch((cause: unknown) => {
    throw new EnvironmentError('YB_NATS_SERVER_FAILED', `无法连接 NATS / cannot connect to ${url}: ${(cause as Error).message}; start the pipeline (npm start) or set NATS_URL`, { cause });
  });
  const js = jetstream(nc);
  const publisher = createSettlementPublisher(js, DEFAULT_STREAM, 1000);
  const labels = labelsPath ? ndjsonWriter(createWriteStream(labelsPath)) : undefined;
  const pacer = createPacer(rate);
  const ticker = setInterval(() => process.stderr.write(`已发布 published ${publisher.stats().published}\n`), 5000);
  try {
    // Deaths first, on the person-status subject, so the rx.deceased cases find them.
    const deaths = simulatedDeaths(options);
    for (const d of deaths) await js.publish(DEFAULT_STREAM.personSubject, JSON.stringify(d));
    if (deaths.length) process.stderr.write(`已发布死亡人员 published ${deaths.length} person status lines on ${DEFAULT_STREAM.personSubject}\n`);
    for (const record of simulate(options)) {
      await pacer.next();
      await publisher.publishLine(JSON.stringify(record.settlement));
      if (record.label) await labels?.write(labelLine(record.settlement.setl_id, record.label));
    }
    const stats = await publisher.flush();
    process.stderr.write(`\n发布完成 / published ${stats.published} settlements to ${url} (${stats.duplicates} already in the stream)\n`);
  } catch (err) {
    if ((err as Error).message.includes('no responders')) {
      throw new EnvironmentError('YB_NATS_SERVER_FAILED', `没有结算流 / no settlement stream on ${url}: start the pipeline first (npm start)`, { cause: err });
    }
    throw err;
  } finally {
    clearInterval(ticker);
    await labels?.close();
    await nc.drain();
  }
  return EXIT.ok;
}

main().then(
  (code) => process.exit(code),
  (err) => process.exit(reportError(err)),
);
