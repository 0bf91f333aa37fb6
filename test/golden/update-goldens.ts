/**
 * Golden files for the detectors (`test/golden/<kind>/<case>.events.ndjson` →
 * `<case>.alerts.ndjson`), and the one evaluation that both writes and checks them.
 *
 * - `<case>.events.ndjson`: settlements, one per line, exactly as they would arrive on NATS (or in
 *   a replay file). Written by hand; `setl_id`s end in `-HIT`, `-MISS` or `-REFUND` (see
 *   `test/golden.test.ts`).
 * - `<case>.alerts.ndjson`: the expected alert records of phase `in`, without `detected_at`, one
 *   per line, sorted by `alert_id`. Produced by this script, then reviewed line by line against
 *   `../shared/contracts/alerts.md`: the golden is what the contract says, not what the code does.
 *
 * - `<case>.persons.ndjson` (optional): person status lines `{psn_no, death_date}` loaded first.
 * - `<case>.catalogue.json` (optional): extra catalogue entries for this case, added to
 *   `test/golden/catalogue.json` (a code may not be defined twice with different content).
 *
 * Every case runs every registered detector with its defaults, over the catalogue, on a fresh
 * engine, events in file order (the stream order: line n has stream sequence n): the same as
 * `npm run replay -- --input <case>.events.ndjson --persons <case>.persons.ndjson --catalogue …`
 * with `detected_at` removed.
 *
 *   npx tsx test/golden/update-goldens.ts            # regenerate every .alerts.ndjson
 *   npx tsx test/golden/update-goldens.ts --check    # exit 1 when any is stale
 */
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { createCatalogue, type Catalogue } from '../../pipeline/catalogue/catalogue.js';
import type { Alert } from '../../pipeline/contracts/alert.js';
import type { PersonStatus, Settlement } from '../../pipeline/contracts/settlement.js';
import type { CatalogueEntry } from '../../pipeline/catalogue/catalogue-entry.js';
import { createDetectionEngine } from '../../pipeline/detectors/engine.js';
import { createDetectors, memoryDeps, type RulesConfig } from '../../pipeline/detectors/registry.js';

export const GOLDEN_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const GOLDEN_CATALOGUE_PATH = join(GOLDEN_ROOT, 'catalogue.json');

/** An alert as a golden file holds it: the record without the wall-clock `detected_at`. */
export type GoldenAlert = Omit<Alert, 'detected_at'>;

export interface GoldenCase {
  /** The kind the case is about: its directory name. */
  readonly kind: string;
  readonly name: string;
  readonly eventsPath: string;
  readonly alertsPath: string;
  /** `<case>.persons.ndjson`, when the case has one. */
  readonly personsPath?: string;
  /** `<case>.catalogue.json`, when the case adds catalogue entries. */
  readonly cataloguePath?: string;
}

/** Every `<kind>/<case>.events.ndjson` under `root`, sorted by kind then case. */
export function listGoldenCases(root: string = GOLDEN_ROOT): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const kind of readdirSync(root).sort()) {
    const dir = join(root, kind);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).sort()) {
      const m = /^(.+)\.events\.ndjson$/.exec(file);
      if (!m?.[1]) continue;
      const persons = join(dir, `${m[1]}.persons.ndjson`);
      const extra = join(dir, `${m[1]}.catalogue.json`);
      cases.push({
        kind,
        name: m[1],
        eventsPath: join(dir, file),
        alertsPath: join(dir, `${m[1]}.alerts.ndjson`),
        ...(existsSync(persons) ? { personsPath: persons } : {}),
        ...(existsSync(extra) ? { cataloguePath: extra } : {}),
      });
    }
  }
  return cases;
}

export function readNdjson<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

export function toNdjson(records: readonly unknown[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** The shared golden catalogue plus the extra entries of the given case files. */
export function goldenCatalogueEntries(extraPaths: readonly string[] = [], path: string = GOLDEN_CATALOGUE_PATH): CatalogueEntry[] {
  const byCode = new Map<string, CatalogueEntry>();
  for (const file of [path, ...extraPaths]) {
    for (const entry of JSON.parse(readFileSync(file, 'utf8')) as CatalogueEntry[]) {
      const known = byCode.get(entry.med_list_codg);
      if (known && JSON.stringify(known) !== JSON.stringify(entry)) throw new Error(`${file}: ${entry.med_list_codg} is already defined differently`);
      byCode.set(entry.med_list_codg, entry);
    }
  }
  return [...byCode.values()];
}

export function loadGoldenCatalogue(path: string = GOLDEN_CATALOGUE_PATH, extraPaths: readonly string[] = []): Catalogue {
  return createCatalogue(goldenCatalogueEntries(extraPaths, path), path);
}

/** The catalogue a case is evaluated with. */
export function caseCatalogue(c: GoldenCase, base: string = GOLDEN_CATALOGUE_PATH): Catalogue {
  return loadGoldenCatalogue(base, c.cataloguePath ? [c.cataloguePath] : []);
}

/**
 * Runs `events` in order through a fresh engine (every registered detector, `rules` over the
 * defaults) with phase `in`, and returns the alerts as JSON would carry them (absent fields
 * dropped), without `detected_at`, sorted by `alert_id`.
 */
export function evaluateGoldenEvents(events: readonly Settlement[], catalogue: Catalogue, rules: RulesConfig = {}, persons: readonly PersonStatus[] = []): GoldenAlert[] {
  const deps = memoryDeps();
  for (const p of persons) deps.persons.set(p);
  const engine = createDetectionEngine(createDetectors(rules, deps), catalogue);
  const alerts: GoldenAlert[] = [];
  for (const event of events) {
    for (const alert of engine.evaluate(event, 'in').alerts) {
      const { detected_at: _detectedAt, ...rest } = alert;
      alerts.push(JSON.parse(JSON.stringify(rest)) as GoldenAlert);
    }
  }
  return alerts.sort((a, b) => (a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0));
}

function countByKind(alerts: readonly GoldenAlert[]): string {
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} ${n}`).join(', ') || 'none';
}

function main(argv: readonly string[]): number {
  const program = new Command()
    .name('update-goldens')
    .description('Regenerates every test/golden/<kind>/<case>.alerts.ndjson from its .events.ndjson (review the diff by hand).')
    .option('--check', 'write nothing; exit 1 when any expected file is missing or stale', false)
    .option('--root <dir>', 'golden directory', GOLDEN_ROOT)
    .option('--catalogue <file>', 'catalogue the goldens are evaluated with', GOLDEN_CATALOGUE_PATH)
    .parse(argv, { from: 'node' });
  const opts = program.opts();
  let stale = 0;
  for (const c of listGoldenCases(resolve(opts.root))) {
    const events = readNdjson<Settlement>(c.eventsPath);
    const persons = c.personsPath ? readNdjson<PersonStatus>(c.personsPath) : [];
    const alerts = evaluateGoldenEvents(events, caseCatalogue(c, resolve(opts.catalogue)), {}, persons);
    const text = toNdjson(alerts);
    const current = existsSync(c.alertsPath) ? readFileSync(c.alertsPath, 'utf8') : undefined;
    const state = current === text ? 'unchanged' : current === undefined ? 'new' : 'changed';
    if (state !== 'unchanged') {
      stale += 1;
      if (!opts.check) writeFileSync(c.alertsPath, text);
    }
    process.stdout.write(`${c.kind}/${c.name}: ${events.length} events, ${alerts.length} alerts (${countByKind(alerts)}) — ${state}\n`);
  }
  if (opts.check && stale > 0) {
    process.stderr.write(`${stale} golden file(s) stale: run npx tsx test/golden/update-goldens.ts and review the diff\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv);
}
