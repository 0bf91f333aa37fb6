/**
 * `npm run bench:feed`: how fast a detected alert reaches a browser, and what a flood costs. Starts
 * the runtime with the dashboard on the embedded defaults, connects `--clients` live-feed readers
 * (Server-Sent Events, as the page's EventSource does), publishes simulated traffic at `--rate`,
 * and measures for every alert a reader receives: arrival time − `detected_at` (same machine, same
 * clock). Prints p50/p99/max, alerts matched vs sent per reader (the flood cap at work) and the
 * worker's throughput. `--flood` adds synthetic alerts straight onto the feed; `--browser` also
 * opens the page in Debian's Chromium and reports its long tasks and rows (is it still responsive?).
 * `--write-readme` puts the table into README.md between the feed markers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { numberAtLeast } from './cli-options.js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { quantileSorted } from 'simple-statistics';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import { resolveConfig } from '../pipeline/config.js';
import type { FeedBatch } from '../pipeline/dashboard/api-types.js';
import { alertSubject, type Alert } from '../pipeline/contracts/alert.js';
import { FEED_MAX_ROWS } from '../pipeline/dashboard/dashboard-routes.js';
import { openFeedReader } from '../pipeline/dashboard/feed-reader.js';
import { configFromEnv, reportError } from '../pipeline/entry-support.js';
import { writeReadmeSection } from './readme-section.js';
import { createLogger } from '../pipeline/logger.js';
import { startRuntime } from '../pipeline/runtime.js';
import { waitForConsumer } from '../pipeline/stream/drain.js';
import { createSettlementPublisher } from '../pipeline/stream/settlement-publisher.js';
import { simulate } from './simulator/traffic.js';
import { createPacer } from './simulator/pacer.js';

const num = numberAtLeast;

const program = new Command()
  .name('bench-feed')
  .description('Measures detection → browser latency of the live alert feed under simulated traffic, and the flood cap.\n测量实时预警从检出到浏览器的延迟。')
  .option('--rate <n>', 'settlements per second', num(1), 2000)
  .option('--seconds <n>', 'seconds of traffic', num(1), 20)
  .option('--clients <n>', 'live-feed readers (browsers)', num(1), 5)
  .option('--seed <n>', 'simulator seed', num(0), 11)
  .option('--flood <n>', 'extra synthetic alerts per second published straight onto the feed (a flood beyond what detection raises)', num(0), 0)
  .option('--browser', "also open the dashboard in Debian's Chromium (/usr/bin/chromium) and report its long tasks and rows")
  .option('--write-readme', 'write the table into README.md between the feed markers');

interface Reader {
  latenciesMs: number[];
  received: number;
  matched: number;
  dropped: number;
  flushes: number;
  close(): void;
}

async function openReader(url: string): Promise<Reader> {
  const feed = await openFeedReader(url);
  const r: Reader = { latenciesMs: [], received: 0, matched: 0, dropped: 0, flushes: 0, close: () => feed.close() };
  feed.onEvent((e) => {
    if (e.event !== 'alerts') return;
    const batch = e.data as FeedBatch;
    const now = Date.now();
    r.flushes += 1;
    r.received += batch.alerts.length;
    r.matched += batch.matched;
    r.dropped += batch.dropped;
    // Latency of detected alerts only (the synthetic flood is stamped when published).
    for (const a of batch.alerts) if (!a.alert_id.startsWith(FLOOD_PREFIX)) r.latenciesMs.push(now - Date.parse(a.detected_at));
  });
  return r;
}

const FLOOD_PREFIX = 'FLOOD-';

/** A synthetic high-amount alert for the flood (never in ClickHouse; only the feed sees it). */
function floodAlert(i: number): Alert {
  return {
    alert_id: `${FLOOD_PREFIX}${i}`,
    kind: i % 3 ? 'rx.high_amount' : 'price.outlier',
    phase: 'in',
    severity: 'low',
    score: 1.2,
    setl_id: `S-FLOOD-${i}`,
    psn_no: `PSN-FLOOD-${i % 500}`,
    fixmedins_code: 'H11010500001',
    admdvs: '110105',
    amount_at_risk: 4800,
    event_time: '2026-11-07T12:00:00+08:00',
    detected_at: new Date().toISOString(),
    detector: 'bench-feed@1',
    evidence: {},
    message: `门诊结算医疗费总额 4800.00 元（压测 ${i}）。`,
  };
}

/** The dashboard in Debian's Chromium, recording long tasks (the page's main thread blocked > 50 ms). */
async function openDashboard(url: string): Promise<{ measure(): Promise<{ rows: number; longTasks: number[] }>; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript(
    `window.__longTasks = []; new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });`,
  );
  await page.goto(`${url}/`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  return {
    async measure() {
      return { rows: await page.locator('[data-testid="feed-rows"] tr[data-alert-id]').count(), longTasks: (await page.evaluate('window.__longTasks')) as number[] };
    },
    close: () => browser.close(),
  };
}

async function main(): Promise<void> {
  const opts = program.parse().opts();
  const dir = mkdtempSync(join(tmpdir(), 'yb-bench-feed-'));
  const env = configFromEnv();
  const config = resolveConfig({ ...env, dataDir: dir, http: { port: 0 } });
  const runtime = await startRuntime(config, { logger: createLogger({ level: 'warn' }), http: true });
  try {
    const readers = await Promise.all(Array.from({ length: opts.clients }, () => openReader(`${runtime.httpUrl}/api/feed`)));
    const total = Math.round(opts.rate * opts.seconds);
    const records = simulate({ seed: opts.seed, settlements: total, startTime: '2026-11-01T08:00:00+08:00', spanDays: 7, catalogue: loadCatalogue(config.cataloguePath) });
    const page = opts.browser ? await openDashboard(runtime.httpUrl!) : undefined;
    const publisher = createSettlementPublisher(jetstream(runtime.nc), config.stream, 500);
    const pacer = createPacer(opts.rate);
    const t0 = Date.now();
    let sent = 0;
    let flooded = 0;
    // The flood: synthetic alerts on the live-feed subject, 1/10 of the rate every 100 ms.
    const flood = opts.flood
      ? setInterval(() => {
          for (let i = 0; i < opts.flood / 10; i++, flooded++) {
            const alert = floodAlert(flooded);
            runtime.nc.publish(alertSubject(alert), JSON.stringify(alert));
          }
        }, 100)
      : undefined;
    for (const r of records) {
      await pacer.next();
      await publisher.publishLine(JSON.stringify(r.settlement));
      sent += 1;
      if (sent % (opts.rate * 5) === 0) process.stderr.write(`  ${sent}/${total} sent\n`);
    }
    const pub = await publisher.flush();
    await waitForConsumer(await jetstreamManager(runtime.nc), config.stream.name, config.consumer.durable, pub.lastSeq, { timeoutMs: 600_000 });
    clearInterval(flood);
    const seconds = (Date.now() - t0) / 1000;
    // Let the last flush reach the readers.
    await new Promise((r) => setTimeout(r, 3 * 250 + 200));
    for (const r of readers) r.close();
    const view = page ? await page.measure() : undefined;
    const s = runtime.pipeline.status();
    const alerts = Object.values(s.alertsByKind).reduce((a, b) => a + (b ?? 0), 0);
    const lat = readers.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
    const ms = (v: number): string => `${Math.round(v)} ms`;
    const first = readers[0]!;
    const rows = [
      `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores: pipeline, nats-server, chDB, the publisher and the readers on the same machine; \`detected_at\` is stamped when a batch starts, so the figure includes detection, the ClickHouse insert and the flush interval.`,
      '',
      '| figure | value |',
      '|---|---|',
      `| traffic | ${sent} settlements at ${opts.rate}/s target, ${Math.round(s.accepted / seconds)}/s processed, ${alerts} alerts (${Math.round(alerts / seconds)}/s) |`,
      `| readers | ${opts.clients} live-feed connections |`,
      `| detection → browser, p50 (${lat.length} detected alerts received) | ${lat.length ? ms(quantileSorted(lat, 0.5)) : 'n/a'} |`,
      `| detection → browser, p99 | ${lat.length ? ms(quantileSorted(lat, 0.99)) : 'n/a'} |`,
      `| detection → browser, max | ${lat.length ? ms(lat[lat.length - 1]!) : 'n/a'} |`,
      ...(opts.flood ? [`| flood | ${flooded} synthetic alerts onto the feed (${opts.flood}/s) besides detection |`] : []),
      `| per reader: alerts matched / sent / aggregated | ${first.matched} / ${first.received} / ${first.dropped} in ${first.flushes} flushes |`,
      ...(view
        ? [
            `| browser: rows in the feed table at the end | ${view.rows} (cap ${FEED_MAX_ROWS}) |`,
            `| browser: long tasks (> 50 ms) during the run | ${view.longTasks.length}, longest ${view.longTasks.length ? ms(Math.max(...view.longTasks)) : 'n/a'}, total ${ms(view.longTasks.reduce((a, b) => a + b, 0))} of ${ms(seconds * 1000)} |`,
          ]
        : []),
      '',
      `Command: \`npm run bench:feed -- --rate ${opts.rate} --seconds ${opts.seconds} --clients ${opts.clients}${opts.flood ? ` --flood ${opts.flood}` : ''}${opts.browser ? ' --browser' : ''}\``,
    ].join('\n');
    process.stdout.write(`\n${rows}\n`);
    if (opts.writeReadme) {
      writeReadmeSection('feed', rows);
    }
    await page?.close();
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => process.exit(reportError(err)),
);
