/**
 * `npm run demo`: the live demo on the embedded defaults. Starts nats-server and chDB, the real
 * pipeline, and publishes simulated traffic (with labelled injected cases and a few malformed
 * messages) at a steady rate; prints a running summary and, at the end, what was caught.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { numberAtLeast } from './cli-options.js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import { resolveConfig } from '../pipeline/config.js';
import type { Alert } from '../pipeline/contracts/alert.js';
import { configFromEnv, reportError } from '../pipeline/entry-support.js';
import { createLogger } from '../pipeline/logger.js';
import { startRuntime } from '../pipeline/runtime.js';
import { waitForConsumer, waitForIdle } from '../pipeline/stream/drain.js';
import { createSettlementPublisher } from '../pipeline/stream/settlement-publisher.js';
import { DEAD_LETTER_WRITER, PERSON_STATUS_WRITER } from '../pipeline/stream/topology.js';
import { simulate, simulatedDeaths, type SimulatorOptions } from './simulator/traffic.js';
import { expectedKinds } from './simulator/labels.js';
import { createPacer } from './simulator/pacer.js';

const num = numberAtLeast;

const program = new Command()
  .name('demo')
  .description('Live demo on the embedded defaults: simulated settlements through NATS JetStream, the detectors and ClickHouse, with a running summary.\n演示：模拟结算流经真实流水线，实时显示预警。')
  .option('--rate <n>', 'settlements per second', num(1), 500)
  .option('--duration <s>', 'seconds of traffic', num(1), 60)
  .option('--seed <n>', 'simulator seed', num(0), 42)
  .option('--bad-rate <x>', 'share of malformed messages mixed in (to show the dead-letter path)', num(0), 0.002)
  .option('--data-dir <dir>', 'data directory (wiped at start unless --keep)', './data/demo')
  .option('--keep', 'keep the data directory from an earlier run')
  .option('--port <n>', 'dashboard port (0 picks a free one)', num(0), 8787)
  .option('--exit', 'exit after the summary (default when stdout is not a terminal) instead of keeping the dashboard open until Ctrl-C')
  .addHelpText('after', '\nCtrl-C stops the traffic early and still prints the summary. Environment: NATS_URL, CLICKHOUSE_URL to use servers instead of the embedded ones.');

const BAD_LINES = [
  () => '{"setl_id": "DEMO-BAD", "items": [',
  (n: number) => JSON.stringify({ setl_id: `DEMO-BAD-${n}`, psn_no: 'X', items: [] }),
  (n: number) => JSON.stringify({ setl_id: `DEMO-BAD-SUM-${n}`, mdtrt_id: 'M', psn_no: 'P1', brdy: '1980-01-01', admdvs: '110105', fixmedins_code: 'H1', med_type: '11', setl_time: '2026-11-01T09:00:00+08:00', medfee_sumamt: 99, items: [{ feedetl_sn: '1', med_list_codg: 'X', cnt: 1, pric: 10, det_item_fee_sumamt: 10 }] }),
];

async function main(): Promise<void> {
  const opts = program.parse().opts();
  const dataDir = resolve(opts.dataDir);
  if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
  const env = configFromEnv();
  const config = resolveConfig({ ...env, dataDir, http: { ...env.http, port: env.http?.port ?? opts.port } });
  const logger = createLogger({ level: env.logLevel ?? 'warn' });
  const recent: Alert[] = [];
  let processed = 0;
  const runtime = await startRuntime(config, {
    logger,
    natsMonitoring: true,
    http: true,
    onBatch: (o) => {
      processed += o.messages - o.retried;
      for (const a of o.alerts) {
        recent.push(a);
        if (recent.length > 3) recent.shift();
      }
    },
  });
  const out = (s: string): boolean => process.stdout.write(`${s}\n`);
  out('');
  out('医保基金监测 yibao-sentinel — 演示 demo');
  out(`  NATS          ${runtime.natsUrl}${runtime.embeddedNats ? ` (embedded; monitoring ${runtime.embeddedNats.monitorUrl})` : ''}`);
  out(`  ClickHouse    ${runtime.clickhouseDescription}`);
  out(`  catalogue     ${runtime.catalogue.size} entries`);
  out(`  live feed     subscribe to yb.alert.> on ${runtime.natsUrl}`);
  out(`  dashboard     ${runtime.httpUrl}/  (监控大屏; metrics ${runtime.httpUrl}/metrics)`);
  out(`  traffic       ${opts.rate}/s for ${opts.duration}s (seed ${opts.seed})`);

  const total = Math.round(opts.rate * opts.duration);
  const labels = new Map<string, string[]>();
  const simOptions: SimulatorOptions = { seed: opts.seed, settlements: total, startTime: '2026-11-01T08:00:00+08:00', spanDays: Math.max(1, opts.duration / 5), catalogue: loadCatalogue(config.cataloguePath) };
  const records = simulate(simOptions);
  const js = jetstream(runtime.nc);
  const jsm = await jetstreamManager(runtime.nc);
  // Deaths notified by the civil registry reach the pipeline before the first settlement.
  const deaths = simulatedDeaths(simOptions);
  for (const d of deaths) await js.publish(config.stream.personSubject, JSON.stringify(d));
  await waitForIdle(jsm, config.stream.personStream, PERSON_STATUS_WRITER);
  out(`  deaths        ${deaths.length} person status lines stored (rx.deceased)`);
  out('');
  const publisher = createSettlementPublisher(js, config.stream, 500);
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
    out('\n收到中断，停止发送 / stopping traffic…');
  });
  const t0 = Date.now();
  let sent = 0;
  let bad = 0;
  const ticker = setInterval(() => {
    const s = runtime.pipeline.status();
    const alerts = Object.values(s.alertsByKind).reduce((a, b) => a + (b ?? 0), 0);
    const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
    const secs = (Date.now() - t0) / 1000;
    out(`[${secs.toFixed(0).padStart(3)}s] 已发送 sent ${sent}  已处理 processed ${processed}  拒收 rejected ${rejected}  预警 alerts ${alerts}  (${Math.round(processed / Math.max(secs, 0.001))}/s)`);
    for (const a of recent.splice(0)) out(`        ${a.severity === 'high' ? '‼' : '•'} [${a.kind}] ${a.message}`);
  }, 2000);
  let rng = opts.seed + 1;
  const random = (): number => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pacer = createPacer(opts.rate);
  for (const r of records) {
    if (stop) break;
    await pacer.next();
    if (r.label) labels.set(r.settlement.setl_id, expectedKinds(r.label));
    await publisher.publishLine(JSON.stringify(r.settlement));
    sent += 1;
    if (random() < opts.badRate) {
      await publisher.publishLine(BAD_LINES[bad % BAD_LINES.length]!(bad));
      bad += 1;
    }
  }
  const pub = await publisher.flush();
  await waitForConsumer(jsm, config.stream.name, config.consumer.durable, pub.lastSeq);
  await waitForIdle(jsm, config.stream.deadLetterStream, DEAD_LETTER_WRITER);
  clearInterval(ticker);

  const s = runtime.pipeline.status();
  const found = new Map<string, Set<string>>();
  const rs = await runtime.clickhouse.query({ query: "SELECT kind, setl_id FROM v_alerts WHERE phase = 'in'", format: 'JSONEachRow' });
  for (const row of await rs.json<{ kind: string; setl_id: string }>()) {
    if (!found.has(row.kind)) found.set(row.kind, new Set());
    found.get(row.kind)!.add(row.setl_id);
  }
  out('');
  out('演示小结 / summary');
  out(`  结算 settlements   sent ${sent}, accepted ${s.accepted}, malformed sent ${bad}, rejected ${Object.values(s.rejected).reduce((a, b) => a + b, 0)} ${JSON.stringify(s.rejected)}`);
  out('  预警 alerts by kind          alerts  injected  caught');
  const kinds = new Set([...Object.keys(s.alertsByKind), ...[...labels.values()].flat()]);
  for (const kind of [...kinds].sort()) {
    const injected = [...labels.entries()].filter(([, k]) => k[0] === kind).map(([id]) => id);
    const caught = injected.filter((id) => found.get(kind)?.has(id)).length;
    out(`    ${kind.padEnd(26)} ${String(s.alertsByKind[kind as keyof typeof s.alertsByKind] ?? 0).padStart(6)}  ${String(injected.length).padStart(8)}  ${String(caught).padStart(6)}`);
  }
  const top = await runtime.clickhouse.query({
    query: 'SELECT fixmedins_code, sum(settlements) AS settlements, sum(alerts) AS alerts, sum(amount_at_risk) AS at_risk FROM v_facility_daily GROUP BY fixmedins_code ORDER BY at_risk DESC LIMIT 5',
    format: 'JSONEachRow',
  });
  out('  风险金额最高的机构 facilities with the most amount at risk');
  for (const f of await top.json<{ fixmedins_code: string; settlements: string; alerts: string; at_risk: number }>()) {
    out(`    ${f.fixmedins_code.padEnd(16)} settlements ${String(f.settlements).padStart(6)}  alerts ${String(f.alerts).padStart(4)}  at risk ¥${Number(f.at_risk).toFixed(2)}`);
  }
  out('');
  out(`  数据 data: ${dataDir} (ClickHouse tables settlements, settlement_items, alerts, dead_letters, alert_reviews; views v_alerts, v_dead_letters, v_facility_daily, v_alert_labels)`);
  out('');
  if (!opts.exit && process.stdout.isTTY && !stop) {
    out(`  监控页面仍在运行 / the dashboard stays open at ${runtime.httpUrl}/ — Ctrl-C to stop`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await runtime.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => process.exit(reportError(err)),
);
