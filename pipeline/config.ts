/**
 * Configuration: one schema with defaults, validated once with every problem reported at once,
 * then frozen. Environment variables and CLI flags are read only by entry points
 * (`pipeline/main.ts`, `scripts/*.ts`), which pass a partial config to {@link resolveConfig}.
 */
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { rulesConfigProblems, type RulesConfig } from './detectors/registry.js';

export interface StreamConfig {
  /** JetStream stream holding settlements. @default "YB_SETTLEMENTS" */
  name: string;
  /** Settlements are published on `<subjectPrefix>.<admdvs>.<partition>`. @default "yb.setl" */
  subjectPrefix: string;
  /** Number of person-hash partitions in the subject (scale-out unit). @default 16 */
  partitions: number;
  /** A re-published `setl_id` within this window is stored once. @default 7200000 (2 h) */
  duplicateWindowMs: number;
  /** How long settlements stay in the stream. @default 604800000 (7 days) */
  maxAgeMs: number;
  /** Dead-letter stream (subjects `<deadLetterSubject>`). @default "YB_DEADLETTER" */
  deadLetterStream: string;
  /** @default "yb.dlq.setl" */
  deadLetterSubject: string;
  /** Stream retaining the live alert feed `yb.alert.>` for late subscribers. @default "YB_ALERTS" */
  alertStream: string;
  /** Stream of person status (deaths) from the civil registry. @default "YB_PERSONS" */
  personStream: string;
  /** Subject person status lines `{psn_no, death_date}` are published on. @default "yb.person.status" */
  personSubject: string;
}

export interface ConsumerConfig {
  /** Durable pull consumer of the detector workers. @default "yb-detector" */
  durable: string;
  /** Messages per processing batch (one ClickHouse insert per table per batch). @default 1000 */
  batchSize: number;
  /** Longest a partial batch waits before it is processed. @default 50 */
  batchWaitMs: number;
  /** Deliveries before a message that keeps failing is dead-lettered. @default 5 */
  maxDeliver: number;
  /** @default 60000 */
  ackWaitMs: number;
  /** Messages in flight (delivered, not acked) per consumer. @default 20000 */
  maxAckPending: number;
  /** Delay before a nak'ed message is redelivered, by delivery number (the last repeats). @default [1000, 5000, 15000, 30000] */
  nakBackoffMs: number[];
}

export interface HttpConfig {
  /** Address the dashboard, `/metrics` and `POST /precheck` bind to. Any address other than loopback requires `credential`. @default "127.0.0.1" */
  host: string;
  /** 0 picks a free port. @default 8787 */
  port: number;
  /**
   * HTTP Basic credential `user:password` (env `YB_HTTP_CREDENTIAL`). When set, every page and API
   * requires it; required when `host` is not loopback. Password at least 12 characters.
   * Absent by default (loopback only).
   */
  credential: string | undefined;
}

export interface PrecheckConfig {
  /** Findings at or above this severity make the pre-event check answer `block`. @default "high" */
  blockAt: 'low' | 'medium' | 'high';
}

export interface SentinelConfig {
  /** Data directory: embedded NATS store and chDB files. @default "./data" */
  dataDir: string;
  /** NATS server or cluster URL(s), comma-separated; absent: embedded nats-server. */
  natsUrl: string | undefined;
  /** @default "nats-server" */
  natsServerBinary: string;
  /** ClickHouse server URL; absent: embedded chDB in `<dataDir>/clickhouse`. */
  clickhouseUrl: string | undefined;
  /** Catalogue JSON file; absent: the built default. */
  cataloguePath: string | undefined;
  /** Per-kind rule options (`enabled`, thresholds), see the README's rule table. @default {} */
  rules: RulesConfig;
  stream: StreamConfig;
  consumer: ConsumerConfig;
  http: HttpConfig;
  precheck: PrecheckConfig;
  /** @default "info" */
  logLevel: string;
}

export type ConfigInput = Partial<Omit<SentinelConfig, 'stream' | 'consumer' | 'http' | 'precheck'>> & {
  stream?: Partial<StreamConfig>;
  consumer?: Partial<ConsumerConfig>;
  http?: Partial<HttpConfig>;
  precheck?: Partial<PrecheckConfig>;
};

export const DEFAULT_HTTP: Readonly<HttpConfig> = Object.freeze({ host: '127.0.0.1', port: 8787, credential: undefined });
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1'];
/** Shortest password accepted in `http.credential`. */
export const MIN_PASSWORD_CHARS = 12;
export const DEFAULT_PRECHECK: Readonly<PrecheckConfig> = Object.freeze({ blockAt: 'high' });

export const DEFAULT_STREAM: Readonly<StreamConfig> = Object.freeze({
  name: 'YB_SETTLEMENTS',
  subjectPrefix: 'yb.setl',
  partitions: 16,
  duplicateWindowMs: 2 * 3_600_000,
  maxAgeMs: 7 * 86_400_000,
  deadLetterStream: 'YB_DEADLETTER',
  deadLetterSubject: 'yb.dlq.setl',
  alertStream: 'YB_ALERTS',
  personStream: 'YB_PERSONS',
  personSubject: 'yb.person.status',
});

export const DEFAULT_CONSUMER: Readonly<ConsumerConfig> = Object.freeze({
  durable: 'yb-detector',
  batchSize: 1000,
  batchWaitMs: 50,
  maxDeliver: 5,
  ackWaitMs: 60_000,
  maxAckPending: 20_000,
  nakBackoffMs: [1000, 5000, 15000, 30000],
});

const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const NAME = /^[A-Za-z0-9_-]+$/;

function positiveInt(problems: string[], path: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) problems.push(`${path}: must be an integer ≥ ${min} (got ${String(v)})`);
}

/** Merges input over the defaults, validates everything, reports every problem, freezes. */
export function resolveConfig(input: ConfigInput = {}): Readonly<SentinelConfig> {
  const stream = { ...DEFAULT_STREAM, ...input.stream };
  const consumer = { ...DEFAULT_CONSUMER, ...input.consumer };
  const http = { ...DEFAULT_HTTP, ...input.http };
  const precheck = { ...DEFAULT_PRECHECK, ...input.precheck };
  const config: SentinelConfig = {
    dataDir: resolve(input.dataDir ?? './data'),
    natsUrl: input.natsUrl || undefined,
    natsServerBinary: input.natsServerBinary ?? 'nats-server',
    clickhouseUrl: input.clickhouseUrl || undefined,
    cataloguePath: input.cataloguePath || undefined,
    rules: input.rules ?? {},
    stream,
    consumer,
    http,
    precheck,
    logLevel: input.logLevel ?? 'info',
  };
  const problems: string[] = [];
  if (!NAME.test(stream.name)) problems.push(`stream.name: letters, digits, - and _ only (got ${stream.name})`);
  if (!NAME.test(stream.deadLetterStream)) problems.push(`stream.deadLetterStream: letters, digits, - and _ only`);
  if (!NAME.test(stream.alertStream)) problems.push(`stream.alertStream: letters, digits, - and _ only`);
  if (!NAME.test(stream.personStream)) problems.push(`stream.personStream: letters, digits, - and _ only`);
  if (!SUBJECT_TOKEN.test(stream.personSubject)) problems.push(`stream.personSubject: dot-separated tokens`);
  if (!SUBJECT_TOKEN.test(stream.subjectPrefix)) problems.push(`stream.subjectPrefix: dot-separated tokens (got ${stream.subjectPrefix})`);
  if (!SUBJECT_TOKEN.test(stream.deadLetterSubject)) problems.push(`stream.deadLetterSubject: dot-separated tokens`);
  positiveInt(problems, 'stream.partitions', stream.partitions);
  if (stream.partitions > 1024) problems.push('stream.partitions: at most 1024');
  positiveInt(problems, 'stream.duplicateWindowMs', stream.duplicateWindowMs, 1000);
  positiveInt(problems, 'stream.maxAgeMs', stream.maxAgeMs, 0);
  if (stream.maxAgeMs > 0 && stream.maxAgeMs < stream.duplicateWindowMs) problems.push('stream.maxAgeMs: must be 0 (unlimited) or ≥ duplicateWindowMs');
  if (!NAME.test(consumer.durable)) problems.push('consumer.durable: letters, digits, - and _ only');
  positiveInt(problems, 'consumer.batchSize', consumer.batchSize);
  positiveInt(problems, 'consumer.batchWaitMs', consumer.batchWaitMs, 0);
  positiveInt(problems, 'consumer.maxDeliver', consumer.maxDeliver, 2);
  positiveInt(problems, 'consumer.ackWaitMs', consumer.ackWaitMs, 1000);
  positiveInt(problems, 'consumer.maxAckPending', consumer.maxAckPending);
  if (consumer.maxAckPending < consumer.batchSize) problems.push('consumer.maxAckPending: must be ≥ consumer.batchSize');
  if (!Array.isArray(consumer.nakBackoffMs) || consumer.nakBackoffMs.length === 0 || consumer.nakBackoffMs.some((v) => !Number.isInteger(v) || v < 0)) {
    problems.push('consumer.nakBackoffMs: a non-empty list of delays in ms');
  }
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) problems.push(`logLevel: one of fatal, error, warn, info, debug, trace, silent (got ${config.logLevel})`);
  if (config.clickhouseUrl) {
    try {
      const u = new URL(config.clickhouseUrl);
      if (!/^https?:$/.test(u.protocol)) problems.push('clickhouseUrl: must be http:// or https://');
    } catch {
      problems.push(`clickhouseUrl: not a URL (${config.clickhouseUrl})`);
    }
  }
  if (http.credential !== undefined) {
    const colon = typeof http.credential === 'string' ? http.credential.indexOf(':') : -1;
    if (colon < 1) problems.push('http.credential: "user:password" (a user name, a colon, a password)');
    else if (http.credential.length - colon - 1 < MIN_PASSWORD_CHARS) problems.push(`http.credential: the password needs at least ${MIN_PASSWORD_CHARS} characters`);
  }
  if (!LOOPBACK_HOSTS.includes(http.host) && !http.credential) {
    problems.push(`http.host: binding to ${http.host} (not loopback) requires http.credential (env YB_HTTP_CREDENTIAL=user:password)`);
  }
  if (!Number.isInteger(http.port) || http.port < 0 || http.port > 65535) problems.push(`http.port: 0–65535 (got ${String(http.port)})`);
  if (!['low', 'medium', 'high'].includes(precheck.blockAt)) problems.push(`precheck.blockAt: low, medium or high (got ${String(precheck.blockAt)})`);
  problems.push(...rulesConfigProblems(config.rules));
  if (problems.length) throw new ConfigError('YB_CONFIG_INVALID', `配置无效 / configuration is invalid (${problems.length} problem(s))`, problems);
  Object.freeze(stream);
  Object.freeze(consumer);
  Object.freeze(http);
  Object.freeze(precheck);
  return Object.freeze(config);
}
