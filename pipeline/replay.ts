/**
 * Replay: a file of settlements through the real pipeline — NATS JetStream, detectors, ClickHouse —
 * exactly as live traffic (`../shared/contracts/interfaces.md`). Starts from empty state (a fresh
 * data directory) unless given one, waits until every settlement is processed and every dead
 * letter stored, and returns the alerts of phase `in` with a summary. Person status (`--persons`)
 * goes through its own stream and is stored before the first settlement is published.
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { resolveConfig, type ConfigInput } from './config.js';
import type { Alert, AlertKind } from './contracts/alert.js';
import type { PersonStatus } from './contracts/settlement.js';
import { InputError } from './errors.js';
import type { Logger } from './logger.js';
import { startRuntime } from './runtime.js';
import { waitForConsumer, waitForIdle } from './stream/drain.js';
import { createSettlementPublisher } from './stream/settlement-publisher.js';
import { DEAD_LETTER_WRITER, PERSON_STATUS_WRITER } from './stream/topology.js';
import { parseCalendarDate } from './time/event-time.js';

export interface ReplayOptions {
  input: string;
  personsPath?: string;
  /** Configuration over the defaults (NATS_URL, CLICKHOUSE_URL, catalogue, rules…). */
  config?: ConfigInput;
  /** Keep state in this directory instead of a fresh temporary one. */
  dataDir?: string;
  logger: Logger;
  /** Progress: settlements processed so far out of the lines published. */
  onProgress?: (processed: number, total: number) => void;
}

export interface ReplaySummary {
  lines: number;
  blankLines: number;
  published: number;
  /** Lines whose `setl_id` was already in the stream (stored once). */
  duplicates: number;
  accepted: number;
  rejected: Record<string, number>;
  alertsByKind: Partial<Record<AlertKind, number>>;
  alerts: number;
  persons: number;
  unknownCodes: number;
  elapsedMs: number;
  settlementsPerSecond: number;
}

export interface ReplayResult {
  /** Alerts of phase `in`, one per `alert_id`, in event-time order. */
  alerts: Alert[];
  summary: ReplaySummary;
}

/** Reads and checks `--persons` (`{psn_no, death_date}` per line); every bad line is reported. */
export function readPersons(path: string): PersonStatus[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new InputError('YB_INPUT_UNREADABLE', `无法读取人员状态文件 / cannot read persons file ${path}: ${(cause as Error).message}`, { cause });
  }
  const persons: PersonStatus[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const p = JSON.parse(line) as Partial<PersonStatus>;
      if (typeof p.psn_no !== 'string' || !p.psn_no || typeof p.death_date !== 'string' || !parseCalendarDate(p.death_date)) throw new Error('needs psn_no and a real death_date YYYY-MM-DD');
      persons.push({ psn_no: p.psn_no, death_date: p.death_date });
    } catch (e) {
      problems.push(`line ${i + 1}: ${(e as Error).message}`);
    }
  });
  if (problems.length) throw new InputError('YB_INPUT_UNREADABLE', `人员状态文件有误 / persons file ${path} has bad lines:\n  - ${problems.slice(0, 20).join('\n  - ')}`);
  return persons;
}

export function compareAlerts(a: Alert, b: Alert): number {
  const ta = Date.parse(a.event_time), tb = Date.parse(b.event_time);
  if (ta !== tb) return ta - tb;
  if (a.setl_id !== b.setl_id) return a.setl_id < b.setl_id ? -1 : 1;
  return a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0;
}

export async function replayFile(options: ReplayOptions): Promise<ReplayResult> {
  try {
    if (!statSync(options.input).isFile()) throw new Error('not a file');
  } catch (cause) {
    throw new InputError('YB_INPUT_UNREADABLE', `无法读取输入文件 / cannot read input ${options.input}: ${(cause as Error).message}`, { cause });
  }
  const persons = options.personsPath ? readPersons(options.personsPath) : [];
  const freshDir = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'yb-replay-'));
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const base = options.config ?? {};
  // On a shared NATS, a replay gets its own stream and subjects so it starts from empty state.
  const isolated = base.natsUrl
    ? { stream: { ...base.stream, name: `YB_REPLAY_${runId}`, subjectPrefix: `yb.replay.${runId}.setl`, deadLetterStream: `YB_REPLAY_DLQ_${runId}`, deadLetterSubject: `yb.replay.${runId}.dlq`, alertStream: `YB_REPLAY_ALERTS_${runId}`, personStream: `YB_REPLAY_PERSONS_${runId}`, personSubject: `yb.replay.${runId}.person` } }
    : {};
  const config = resolveConfig({ ...base, ...isolated, dataDir: options.dataDir ?? freshDir });
  const alerts = new Map<string, Alert>();
  let processed = 0;
  const runtime = await startRuntime(config, {
    logger: options.logger,
    onBatch: (o) => {
      processed += o.messages - o.retried;
      for (const a of o.alerts) alerts.set(a.alert_id, a);
    },
  });
  const started = Date.now();
  let lines = 0, blankLines = 0;
  try {
    const js = jetstream(runtime.nc);
    const jsm = await jetstreamManager(runtime.nc);
    // Person status first: every death is stored before the first settlement is checked.
    if (persons.length) {
      await Promise.all(persons.map((p) => js.publish(config.stream.personSubject, JSON.stringify(p))));
      await waitForIdle(jsm, config.stream.personStream, PERSON_STATUS_WRITER);
    }
    const publisher = createSettlementPublisher(js, config.stream);
    const rl = createInterface({ input: createReadStream(options.input, 'utf8'), crlfDelay: Infinity });
    for await (const raw of rl) {
      lines += 1;
      const line = raw.trim();
      if (!line) {
        blankLines += 1;
        continue;
      }
      await publisher.publishLine(line);
    }
    const pub = await publisher.flush();
    const stored = pub.published - pub.duplicates;
    await waitForConsumer(jsm, config.stream.name, config.consumer.durable, pub.lastSeq, {
      onProgress: () => options.onProgress?.(processed, stored),
    });
    await waitForIdle(jsm, config.stream.deadLetterStream, DEAD_LETTER_WRITER);
    options.onProgress?.(processed, stored);
    const status = runtime.pipeline.status();
    const elapsedMs = Date.now() - started;
    const sorted = [...alerts.values()].sort(compareAlerts);
    const summary: ReplaySummary = {
      lines,
      blankLines,
      published: pub.published,
      duplicates: pub.duplicates,
      accepted: status.accepted,
      rejected: status.rejected,
      alertsByKind: status.alertsByKind,
      alerts: sorted.length,
      persons: persons.length,
      unknownCodes: status.unknownCodes,
      elapsedMs,
      settlementsPerSecond: Math.round((stored / Math.max(elapsedMs, 1)) * 1000),
    };
    if (base.natsUrl) {
      await jsm.streams.delete(config.stream.name).catch(() => undefined);
      await jsm.streams.delete(config.stream.deadLetterStream).catch(() => undefined);
      await jsm.streams.delete(config.stream.alertStream).catch(() => undefined);
      await jsm.streams.delete(config.stream.personStream).catch(() => undefined);
    }
    return { alerts: sorted, summary };
  } finally {
    await runtime.close();
    if (freshDir) rmSync(freshDir, { recursive: true, force: true });
  }
}
