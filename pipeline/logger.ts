/**
 * The root logger. Personal identifiers are redacted here, once, for every child logger;
 * components log with `logger.child({ component })`.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Fields that identify a person; never written to logs. */
export const REDACTED_FIELDS = ['psn_no', 'brdy', '*.psn_no', '*.brdy', 'settlement.psn_no', 'alert.psn_no'];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: 'yibao-sentinel' },
    redact: { paths: REDACTED_FIELDS, censor: '[redacted]' },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/** A logger that drops everything (tests, CLIs with their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export type { Logger };
