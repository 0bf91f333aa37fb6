/**
 * `npm run precheck -- --draft draft.json [--http http://127.0.0.1:8787]`: asks the running
 * pipeline's pre-event check about a draft settlement (or an NDJSON file of drafts) and prints the
 * decision and each finding in Chinese. Over NATS (`NATS_URL`, default nats://127.0.0.1:4222) unless
 * `--http` is given.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from '@commander-js/extra-typings';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EnvironmentError, InputError } from '../pipeline/errors.js';
import { EXIT, reportError } from '../pipeline/entry-support.js';
import type { PrecheckAnswer, PrecheckProblem } from '../pipeline/precheck/precheck.js';
import { PRECHECK_SUBJECT } from '../pipeline/precheck/precheck-service.js';

const program = new Command()
  .name('precheck')
  .description('Checks draft settlements against the running pipeline (事前提醒) and prints pass / warn / block with the reasons.\n事前提醒：检查草稿处方/结算。')
  .requiredOption('--draft <file>', 'a draft settlement (JSON), or several (NDJSON, one per line); setl_id may be absent')
  .option('--http <url>', 'ask over HTTP (POST <url>/precheck) instead of NATS')
  .addOption(new Option('--fail-on <decision>', 'exit 3 when any draft gets this decision or worse').choices(['warn', 'block'] as const))
  .option('--json', 'print the answers as JSON lines instead of text')
  .addHelpText('after', '\nEnvironment: NATS_URL (default nats://127.0.0.1:4222), YB_HTTP_CREDENTIAL (user:password, with --http when the server has one). Exit codes: 0 answered, 2 draft file unreadable, 3 --fail-on matched, 4 pipeline unreachable.');

const RANK = { pass: 0, warn: 1, block: 2 } as const;
const LABEL = { pass: '通过 pass', warn: '提醒 warn', block: '拦截 block' } as const;

function readDrafts(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new InputError('YB_INPUT_UNREADABLE', `无法读取草稿文件 / cannot read draft file ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    const whole = JSON.parse(text) as unknown;
    return Array.isArray(whole) ? whole : [whole];
  } catch {
    return text.split('\n').filter((l) => l.trim()).map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch (e) {
        throw new InputError('YB_INPUT_UNREADABLE', `草稿文件第 ${i + 1} 行不是 JSON / line ${i + 1} of ${path} is not JSON: ${(e as Error).message}`);
      }
    });
  }
}

type Outcome = { answer: PrecheckAnswer } | { problems: PrecheckProblem[] };

async function askNats(nc: NatsConnection, draft: unknown): Promise<Outcome> {
  const r = await nc.request(PRECHECK_SUBJECT, JSON.stringify(draft), { timeout: 10_000 });
  const body = r.json<PrecheckAnswer & { problems?: PrecheckProblem[] }>();
  return r.headers?.get('Nats-Service-Error-Code') ? { problems: body.problems ?? [] } : { answer: body };
}

async function askHttp(base: string, draft: unknown): Promise<Outcome> {
  // The server's credential, when it has one (YB_HTTP_CREDENTIAL=user:password).
  const credential = process.env.YB_HTTP_CREDENTIAL;
  const auth: Record<string, string> = credential ? { authorization: `Basic ${Buffer.from(credential).toString('base64')}` } : {};
  const r = await fetch(`${base.replace(/\/$/, '')}/precheck`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(draft) });
  const body = (await r.json()) as PrecheckAnswer & { problems?: PrecheckProblem[] };
  return r.status === 400 ? { problems: body.problems ?? [] } : { answer: body };
}

async function main(): Promise<number> {
  const opts = program.parse().opts();
  const drafts = readDrafts(opts.draft);
  let nc: NatsConnection | undefined;
  if (!opts.http) {
    const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
    nc = await connect({ servers: url.split(',') }).catch((cause: unknown) => {
      throw new EnvironmentError('YB_NATS_SERVER_FAILED', `无法连接 NATS / cannot connect to ${url}: ${(cause as Error).message}; is the pipeline running (npm start)?`, { cause });
    });
  }
  let worst = 0;
  try {
    for (const [i, draft] of drafts.entries()) {
      const outcome = nc ? await askNats(nc, draft) : await askHttp(opts.http!, draft);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(outcome)}\n`);
      } else if ('problems' in outcome) {
        process.stdout.write(`草稿 ${i + 1}: 无效 invalid\n${outcome.problems.map((p) => `  - ${p.message_zh} (${p.reason}: ${p.detail})`).join('\n')}\n`);
      } else {
        process.stdout.write(`草稿 ${i + 1}: ${LABEL[outcome.answer.decision]}\n${outcome.answer.alerts.map((a) => `  - [${a.severity}] ${a.message} (${a.kind})`).join('\n')}${outcome.answer.alerts.length ? '\n' : ''}`);
      }
      if ('answer' in outcome) worst = Math.max(worst, RANK[outcome.answer.decision]);
    }
  } finally {
    await nc?.close();
  }
  return opts.failOn && worst >= RANK[opts.failOn] ? 3 : EXIT.ok;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(reportError(err)),
);
