/**
 * `npm run docs` regenerates the tables of README.md that come from the code (rule kinds and their
 * options, configuration defaults, dead-letter reasons, error codes); `--check` fails when they
 * are stale (a test runs it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { DEFAULT_CONSUMER, DEFAULT_HTTP, DEFAULT_PRECHECK, DEFAULT_STREAM } from '../pipeline/config.js';
import { DEFAULT_METRICS_PREFIX, METRIC_DEFINITIONS } from '../pipeline/metrics/metrics.js';
import { REJECT_REASONS } from '../pipeline/decode/reject-reasons.js';
import { DETECTOR_DEFINITIONS } from '../pipeline/detectors/registry.js';
import { ERROR_CODES } from '../pipeline/errors.js';
import { README_PATH, replaceSection } from './readme-section.js';

export { README_PATH };

const code = (v: unknown): string => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

export function generatedSections(): Record<string, string> {
  return {
    rules: [
      '| kind | fires when | options (default) |',
      '|---|---|---|',
      ...DETECTOR_DEFINITIONS.map((d) => `| \`${d.kind}\` | ${d.description} | ${['enabled (`true`)', ...Object.entries(d.defaults).map(([k, v]) => `${k} (${code(v)})`)].join(', ')} |`),
    ].join('\n'),
    config: [
      '| key | default |',
      '|---|---|',
      ...Object.entries(DEFAULT_STREAM).map(([k, v]) => `| \`stream.${k}\` | ${code(v)} |`),
      ...Object.entries(DEFAULT_CONSUMER).map(([k, v]) => `| \`consumer.${k}\` | ${code(v)} |`),
      ...Object.entries(DEFAULT_HTTP).map(([k, v]) => `| \`http.${k}\` | ${v === undefined ? '(none)' : code(v)} |`),
      ...Object.entries(DEFAULT_PRECHECK).map(([k, v]) => `| \`precheck.${k}\` | ${code(v)} |`),
    ].join('\n'),
    metrics: [
      '| metric | type | labels | what it counts |',
      '|---|---|---|---|',
      ...METRIC_DEFINITIONS.map((m) => `| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ') || '—'} | ${m.help} |`),
      `| \`${DEFAULT_METRICS_PREFIX}process_*\`, \`${DEFAULT_METRICS_PREFIX}nodejs_*\` | (various) | — | prom-client's default process metrics: CPU, memory, event-loop lag, GC. |`,
    ].join('\n'),
    reasons: ['| reason | 说明 |', '|---|---|', ...Object.entries(REJECT_REASONS).map(([k, v]) => `| \`${k}\` | ${v} |`)].join('\n'),
    errors: ['| code | meaning |', '|---|---|', ...Object.entries(ERROR_CODES).map(([k, v]) => `| \`${k}\` | ${v} |`)].join('\n'),
  };
}

export function renderReadme(text: string): string {
  let out = text;
  for (const [name, body] of Object.entries(generatedSections())) {
    out = replaceSection(out, name, body);
  }
  return out;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const opts = new Command()
    .name('gen-docs')
    .description('Regenerates the README tables that come from the code.\n从代码生成 README 中的表格。')
    .option('--check', 'exit 1 if README.md is stale instead of writing it')
    .parse()
    .opts();
  const current = readFileSync(README_PATH, 'utf8');
  const next = renderReadme(current);
  if (opts.check) {
    if (next !== current) {
      process.stderr.write('README.md tables are stale: run `npm run docs`\n');
      process.exit(1);
    }
  } else if (next !== current) {
    writeFileSync(README_PATH, next);
    process.stdout.write('README.md updated\n');
  }
}
