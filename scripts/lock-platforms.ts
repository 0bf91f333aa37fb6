/**
 * `npm run lock:platforms`: keeps package-lock.json acceptable to `npm ci`. chdb lists one optional
 * native package per platform; the registry these machines reach serves only the linux-x64 one, so
 * a fresh `npm install` leaves the others out of the lock file and `npm ci` then refuses it. This
 * writes their entries (platform-restricted, so no machine tries to fetch a foreign one).
 * Run it after any `npm install` that rewrites the lock file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';

const LOCK = fileURLToPath(new URL('../package-lock.json', import.meta.url));

interface LockEntry { version?: string; optional?: boolean; os?: string[]; cpu?: string[]; libc?: string[]; license?: string; optionalDependencies?: Record<string, string> }

const PLATFORMS: Record<string, Pick<LockEntry, 'os' | 'cpu' | 'libc'>> = {
  '@chdb/lib-darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  '@chdb/lib-darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  '@chdb/lib-linux-arm64-gnu': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] },
  '@chdb/lib-linux-x64-gnu': { os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
};

const opts = new Command()
  .name('lock-platforms')
  .description("Adds chdb's per-platform optional packages to package-lock.json so that `npm ci` accepts it.\n补全锁文件中 chdb 各平台可选依赖。")
  .option('--check', 'exit 1 if entries are missing instead of writing them')
  .parse()
  .opts();

const lock = JSON.parse(readFileSync(LOCK, 'utf8')) as { packages: Record<string, LockEntry> };
const wanted = lock.packages['node_modules/chdb']?.optionalDependencies ?? {};
const missing = Object.entries(wanted).filter(([name]) => !lock.packages[`node_modules/${name}`]);
if (opts.check) {
  if (missing.length) {
    process.stderr.write(`package-lock.json lacks ${missing.map(([n]) => n).join(', ')}: run npm run lock:platforms\n`);
    process.exit(1);
  }
} else if (missing.length) {
  for (const [name, version] of missing) {
    const platform = PLATFORMS[name];
    if (!platform) throw new Error(`no platform known for ${name}; add it to scripts/lock-platforms.ts`);
    lock.packages[`node_modules/${name}`] = { version, ...platform, license: 'Apache-2.0', optional: true };
  }
  const packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(LOCK, `${JSON.stringify({ ...lock, packages }, null, 2)}\n`);
  process.stdout.write(`added ${missing.map(([n]) => n).join(', ')}\n`);
}
