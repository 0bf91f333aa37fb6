/**
 * `npm run build:catalogue` — builds `pipeline/catalogue/default-catalogue.json` from the national
 * rule batches and the curated common items (`scripts/catalogue/`), or with `--check` verifies
 * that the committed file is current. Exit codes (`EXIT` of `cli-support.ts`): 0 written /
 * current, 1 stale (`--check`), 2 unreadable batches, 3 the built catalogue is invalid.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { createCatalogue } from '../pipeline/catalogue/catalogue.js';
import { SOURCES } from './catalogue/batches.js';
import { EXIT, reportError } from '../pipeline/entry-support.js';
import { buildCatalogueReport, firstDifferingLine, serializeCatalogue, type BuildReport } from './catalogue/build.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_RULES_DIR = path.resolve(repoRoot, '..', 'shared', 'data', 'nhsa-rules', 'lk_batches');
const DEFAULT_OUT = path.resolve(repoRoot, 'pipeline', 'catalogue', 'default-catalogue.json');

const program = new Command()
  .name('build-catalogue')
  .description('Build the default catalogue (医保目录知识库) from the NHSA rule batches and the curated common items.')
  .option('--rules-dir <dir>', `directory of the NHSA batch CSVs (default: ${path.relative(process.cwd(), DEFAULT_RULES_DIR) || '.'})`)
  .option('--out <file>', `catalogue file to write or check (default: ${path.relative(process.cwd(), DEFAULT_OUT)})`)
  .option('--check', 'do not write: exit 1 if the file differs from a fresh build, 0 if it is current')
  .addHelpText('after', '\nExit codes: 0 written / current, 1 stale (--check), 2 unreadable rule batches, 3 the built catalogue is invalid.')
  .showHelpAfterError();

function summary(report: BuildReport, bytes: number): string {
  const width = Math.max(...Object.keys(SOURCES).map((s) => s.length));
  const perSource = Object.entries(report.codesBySource).map(([source, n]) => `  ${source.padEnd(width)}  ${String(n).padStart(6)}`);
  const reasons = new Map<string, number>();
  for (const s of report.skipped) {
    const key = `${s.source}: ${s.reason}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  const skipped = [...reasons].map(([reason, n]) => `  ${String(n).padStart(4)} × ${reason}`);
  return [
    `${report.entries.length} entries, ${bytes} bytes`,
    'codes per source:',
    ...perSource,
    `rows skipped: ${report.skipped.length}`,
    ...skipped,
  ].join('\n');
}

function conflictLines(report: BuildReport): string[] {
  return report.conflicts.map(
    (c) => `  ${c.code} ${c.field}: ${c.values.map((v) => `${v.source}=${JSON.stringify(v.value)}`).join(', ')} → kept ${JSON.stringify(c.kept)}`,
  );
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function main(): number {
  const opts = program.parse().opts();
  const rulesDir = path.resolve(opts.rulesDir ?? DEFAULT_RULES_DIR);
  const out = path.resolve(opts.out ?? DEFAULT_OUT);

  const report = buildCatalogueReport(rulesDir);
  createCatalogue(structuredClone(report.entries), 'build'); // throws ConfigError listing every problem
  const text = serializeCatalogue(report.entries);

  if (opts.check) {
    const current = readIfExists(out);
    if (current === text) {
      process.stdout.write(`catalogue is current: ${out} (${report.entries.length} entries)\n`);
      return EXIT.ok;
    }
    const where = current === undefined ? 'the file does not exist' : `first difference at line ${String(firstDifferingLine(current, text))}`;
    process.stderr.write(`catalogue is stale: ${out} differs from a build of ${rulesDir} (${where}).\nRun \`npm run build:catalogue\` and commit the result.\n`);
    return EXIT.failure;
  }

  if (report.conflicts.length) {
    process.stderr.write(`build-catalogue: ${report.conflicts.length} disagreement(s) between sources (merge rules: pipeline/catalogue/README.md):\n${conflictLines(report).join('\n')}\n`);
  }
  mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, out);
  process.stdout.write(`wrote ${out}\n${summary(report, Buffer.byteLength(text))}\n`);
  return EXIT.ok;
}

try {
  process.exitCode = main();
} catch (error) {
  process.exitCode = reportError(error);
}
