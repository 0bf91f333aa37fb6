/**
 * The project's error classes. Behaviour is driven by the class (retry, dead-letter, refuse to
 * start); the code is for people and is stable: a retired code is never reused.
 */

export const ERROR_CODES = {
  YB_CONFIG_INVALID: 'configuration is invalid',
  YB_CATALOGUE_INVALID: 'catalogue file is invalid',
  YB_CATALOGUE_UNREADABLE: 'catalogue file cannot be read',
  YB_NATS_SERVER_MISSING: 'nats-server binary not found',
  YB_NATS_SERVER_FAILED: 'embedded nats-server failed to start',
  YB_SINK_UNAVAILABLE: 'a sink could not durably take a batch',
  YB_INPUT_UNREADABLE: 'an input file cannot be read',
  YB_MIGRATION_FAILED: 'a ClickHouse migration failed',
  YB_HTTP_LISTEN_FAILED: 'the HTTP server (dashboard, /metrics, POST /precheck) cannot listen on its address',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

abstract class SentinelError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Bad configuration or reference data: refuse to start, list every problem. */
export class ConfigError extends SentinelError {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(code: ErrorCode, message: string, problems: readonly string[] = [], options?: { cause?: unknown }) {
    super(code, problems.length ? `${message}:\n  - ${problems.join('\n  - ')}` : message, options);
    this.problems = problems;
  }
}

/** A sink (ClickHouse, NATS publish) could not take a batch: the messages are nak'ed and retried. */
export class SinkUnavailableError extends SentinelError {
  override readonly name = 'SinkUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('YB_SINK_UNAVAILABLE', message, options);
  }
}

/** A required part of the environment (a binary, a server) is missing or failed. */
export class EnvironmentError extends SentinelError {
  override readonly name = 'EnvironmentError';
}

/** An input file (replay, persons, catalogue) cannot be read. */
export class InputError extends SentinelError {
  override readonly name = 'InputError';
}
