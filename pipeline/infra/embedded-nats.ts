/**
 * The embedded default: a `nats-server -js` child process on a free loopback port, its JetStream
 * store under the data directory, stopped on `stop()` and killed if this process exits first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../errors.js';

export interface EmbeddedNatsOptions {
  /** JetStream store directory (created if missing). */
  storeDir: string;
  /** @default "nats-server" (looked up on PATH) */
  binary?: string;
  /** @default 15000 */
  startTimeoutMs?: number;
  /** Also serve HTTP monitoring (`/varz`, `/jsz`) on a random port. @default false */
  monitoring?: boolean;
}

export interface EmbeddedNats {
  readonly url: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>` of the monitoring endpoint, when enabled. */
  readonly monitorUrl: string | undefined;
  readonly pid: number;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'install it with `apt-get install -y nats-server` (Debian/Ubuntu), or set NATS_URL to use an existing server';

export async function startEmbeddedNats(options: EmbeddedNatsOptions): Promise<EmbeddedNats> {
  const binary = options.binary ?? 'nats-server';
  mkdirSync(options.storeDir, { recursive: true });
  // A settlement may carry up to 500 lines with trace codes: allow 8 MB messages (default 1 MB).
  const configFile = join(options.storeDir, 'embedded.conf');
  writeFileSync(
    configFile,
    [`listen: "127.0.0.1:-1"`, `max_payload: 8MB`, options.monitoring ? `http: "127.0.0.1:-1"` : '', `jetstream { store_dir: ${JSON.stringify(options.storeDir)} }`, ''].join('\n'),
  );
  const args = ['-c', configFile];
  let child: ChildProcess;
  try {
    child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (cause) {
    throw new EnvironmentError('YB_NATS_SERVER_MISSING', `未找到 nats-server / cannot start ${binary}: ${INSTALL_HINT}`, { cause });
  }
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const ready = new Promise<{ port: number; monitorPort?: number }>((resolve, reject) => {
    let log = '';
    let port: number | undefined;
    let monitorPort: number | undefined;
    const timer = setTimeout(() => reject(new EnvironmentError('YB_NATS_SERVER_FAILED', `nats-server did not become ready in ${options.startTimeoutMs ?? 15000} ms:\n${log.slice(-2000)}`)), options.startTimeoutMs ?? 15000);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      port ??= Number(/Listening for client connections on [^\s]+:(\d+)/.exec(log)?.[1]) || undefined;
      monitorPort ??= Number(/Starting http monitor on [^\s]+:(\d+)/.exec(log)?.[1]) || undefined;
      if (port && /Server is ready/.test(log)) {
        clearTimeout(timer);
        resolve(monitorPort ? { port, monitorPort } : { port });
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT'
          ? new EnvironmentError('YB_NATS_SERVER_MISSING', `未找到 nats-server / ${binary} is not installed: ${INSTALL_HINT}`, { cause: err })
          : new EnvironmentError('YB_NATS_SERVER_FAILED', `nats-server failed: ${err.message}`, { cause: err }),
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new EnvironmentError('YB_NATS_SERVER_FAILED', `nats-server exited with code ${code} before it was ready:\n${log.slice(-2000)}`));
    });
  });
  let info: { port: number; monitorPort?: number };
  try {
    info = await ready;
  } catch (e) {
    process.removeListener('exit', killOnExit);
    child.kill('SIGKILL');
    throw e;
  }
  // Keep draining the pipes so the child never blocks on a full pipe.
  child.stderr?.resume();
  child.stdout?.resume();
  return {
    url: `nats://127.0.0.1:${info.port}`,
    port: info.port,
    monitorUrl: info.monitorPort ? `http://127.0.0.1:${info.monitorPort}` : undefined,
    pid: child.pid ?? -1,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The store directory of the embedded server inside a data directory. */
export function natsStoreDir(dataDir: string): string {
  return join(dataDir, 'nats');
}
