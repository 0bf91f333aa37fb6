/**
 * `tsx scripts/precheck-load.ts --transport nats|http --target URL --drafts FILE`: the load half of
 * `bench:precheck`, in its own process (a workstation is not inside the pipeline). Open loop:
 * drafts are sent on a fixed schedule whatever the answers, so slow answers cannot hide behind a
 * lower rate. Prints one JSON line: requests, answers, errors by cause, latency quantiles in ms.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { Command, Option } from '@commander-js/extra-typings';
import { connect } from '@nats-io/transport-node';
import { quantileSorted } from 'simple-statistics';
import { positiveInt } from './cli-options.js';
import { reportError } from '../pipeline/entry-support.js';
import { PRECHECK_SUBJECT } from '../pipeline/precheck/precheck-service.js';

const program = new Command()
  .name('precheck-load')
  .description('Sends drafts to the pre-event check at a fixed rate and prints latency figures as JSON.\n事前提醒压测负载（独立进程）。')
  .addOption(new Option('--transport <t>', 'nats (request on yb.precheck) or http (POST /precheck)').choices(['nats', 'http'] as const).makeOptionMandatory())
  .requiredOption('--target <url>', 'NATS server URL, or the HTTP base URL')
  .requiredOption('--drafts <file>', 'drafts, one JSON per line')
  .option('--rate <n>', 'requests per second offered', positiveInt, 1000)
  .option('--seconds <n>', 'seconds of load', positiveInt, 10)
  .option('--timeout-ms <n>', 'a request unanswered after this long counts as an error', positiveInt, 30_000)
  .option('--connections <n>', 'http: kept-alive connections in the client pool', positiveInt, 64);

export interface LoadFigures {
  sent: number;
  answered: number;
  /** Requests without a good answer, by cause (`timeout`, `http 500`, `service error`, …). */
  errors: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
}

async function main(): Promise<void> {
  const opts = program.parse().opts();
  const drafts = readFileSync(opts.drafts, 'utf8').split('\n').filter((l) => l.trim());
  if (!drafts.length) throw new Error(`no drafts in ${opts.drafts}`);
  const nc = opts.transport === 'nats' ? await connect({ servers: opts.target, noAsyncTraces: true }) : undefined;
  // Like a hospital system's HTTP client: a bounded pool of kept-alive connections, requests
  // queueing for a free one (that wait is part of the latency), not a new connection per request
  // whenever the others are busy (a burst of those overflowed the server's accept queue, and each
  // dropped SYN cost a 1 s retransmission).
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const url = new URL('/precheck', opts.target);
  const post = (body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: opts.timeoutMs }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      });
      req.once('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { name: 'TimeoutError' })));
      req.once('error', reject);
      req.end(body);
    });
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const fail = (cause: string): void => void (errors[cause] = (errors[cause] ?? 0) + 1);
  const send = async (body: string): Promise<boolean> => {
    if (nc) {
      const m = await nc.request(PRECHECK_SUBJECT, body, { timeout: opts.timeoutMs });
      const code = m.headers?.get('Nats-Service-Error-Code');
      if (code) fail(`service error ${code}`);
      return !code;
    }
    const status = await post(body);
    if (status !== 200) fail(`http ${status}`);
    return status === 200;
  };
  const inflight: Promise<void>[] = [];
  const total = opts.rate * opts.seconds;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / opts.rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    inflight.push(
      send(drafts[i % drafts.length]!).then(
        (ok) => void (ok && latencies.push(performance.now() - sent)),
        (err: Error) => fail(err.name === 'TimeoutError' || /timeout/i.test(err.message) ? 'timeout' : `${err.name}: ${err.message}`.slice(0, 80)),
      ),
    );
  }
  await Promise.all(inflight);
  await nc?.close();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => (latencies.length ? quantileSorted(latencies, p) : Number.NaN);
  const figures: LoadFigures = { sent: total, answered: latencies.length, errors, p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? Number.NaN };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => process.exit(reportError(err)),
);
