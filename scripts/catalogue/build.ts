/**
 * Builds the default catalogue: the contributions of the national rule batches (`batches.ts`)
 * and of the curated common items (`common-items.ts`), merged into one entry per code and
 * serialised deterministically. The merge rules are documented in `pipeline/catalogue/README.md`.
 *
 * Library code: never logs and never touches `process`. Disagreements between sources and rows
 * that could not be mapped are returned in the {@link BuildReport} for the CLI
 * (`scripts/build-catalogue.ts`) to print.
 */
import type { CatalogueEntry } from '../../pipeline/catalogue/catalogue-entry.js';
import { readBatches, SOURCES, type Contribution, type SkippedRow, type SourceId } from './batches.js';
import { COMMON_ITEMS } from './common-items.js';

export { SOURCES, type SkippedRow, type SourceId };

const SOURCE_ORDER = Object.keys(SOURCES) as SourceId[];

/** Two or more sources gave different values for one field of one code. */
export interface MergeConflict {
  code: string;
  field: keyof CatalogueEntry;
  /** Every differing contribution, in precedence order. */
  values: { source: SourceId; value: unknown }[];
  /** What the catalogue keeps (see the merge rules in the README). */
  kept: unknown;
}

export interface BuildReport {
  /** The merged entries, sorted by `med_list_codg`. */
  entries: CatalogueEntry[];
  conflicts: MergeConflict[];
  skipped: SkippedRow[];
  /** How many distinct codes each source contributed to. */
  codesBySource: Record<SourceId, number>;
}

export interface BuildOptions {
  /** Curated entries merged into the build. @default COMMON_ITEMS */
  commonItems?: readonly CatalogueEntry[];
}

// ---------------------------------------------------------------------------------------------
// Merge

/**
 * How one field of several contributions for a code becomes one value: `first` in precedence
 * order, the stricter bound (`min` of maxima, `max` of minima), `or`, or a sorted `union`.
 * Differences under `first`, `min` and `max` are reported as conflicts.
 */
const MERGE_RULES: readonly [keyof CatalogueEntry, 'first' | 'min' | 'max' | 'or' | 'union'][] = [
  ['name', 'first'],
  ['list_type', 'first'],
  ['group', 'first'],
  ['sex', 'first'],
  ['age_min', 'max'],
  ['age_max', 'min'],
  ['max_days', 'min'],
  ['max_days_chronic', 'min'],
  ['indications', 'first'],
  ['max_per_visit', 'min'],
  ['max_per_day', 'min'],
  ['conflicts_with', 'union'],
  ['inpatient_only', 'or'],
  ['min_interval_days', 'max'],
  ['price_ceiling', 'min'],
  ['reflow_risk', 'or'],
];

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function mergeCode(code: string, contributions: readonly Contribution[], conflicts: MergeConflict[]): CatalogueEntry {
  const ordered = [...contributions].sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source));
  const merged: Record<string, unknown> = { med_list_codg: code };
  for (const [field, rule] of MERGE_RULES) {
    const given = ordered.flatMap((c) => (c.entry[field] === undefined ? [] : [{ source: c.source, value: c.entry[field] }]));
    const first = given[0];
    if (!first) continue;
    let kept: unknown;
    switch (rule) {
      case 'first':
        kept = first.value;
        break;
      case 'min':
        kept = Math.min(...given.map((g) => g.value as number));
        break;
      case 'max':
        kept = Math.max(...given.map((g) => g.value as number));
        break;
      case 'or':
        kept = given.some((g) => g.value === true);
        break;
      case 'union':
        kept = [...new Set(given.flatMap((g) => g.value as string[]))].sort();
        break;
    }
    merged[field] = kept;
    if (rule === 'or' || rule === 'union') continue;
    const distinct = given.filter((g, i) => given.findIndex((h) => sameValue(h.value, g.value)) === i);
    // A curated common-item name (it carries the pack) over the batch's generic name is expected.
    const curatedName = field === 'name' && first.source === 'common-items';
    if (distinct.length > 1 && !curatedName) conflicts.push({ code, field, values: distinct, kept });
  }
  merged.source = [...new Set(ordered.map((c) => c.source))];
  return merged as unknown as CatalogueEntry;
}

/** Builds the catalogue with everything the CLI reports: conflicts, skipped rows, counts. */
export function buildCatalogueReport(rulesDir: string, options: BuildOptions = {}): BuildReport {
  const contributions: Contribution[] = [];
  const seenCommon = new Set<string>();
  for (const item of options.commonItems ?? COMMON_ITEMS) {
    if (seenCommon.has(item.med_list_codg)) throw new Error(`common items list ${item.med_list_codg} twice`);
    seenCommon.add(item.med_list_codg);
    const { source: _ignored, ...entry } = item;
    contributions.push({ source: 'common-items', entry });
  }
  const batches = readBatches(rulesDir);
  contributions.push(...batches.contributions);

  const byCode = new Map<string, Contribution[]>();
  for (const contribution of contributions) {
    const list = byCode.get(contribution.entry.med_list_codg);
    if (list) list.push(contribution);
    else byCode.set(contribution.entry.med_list_codg, [contribution]);
  }
  const conflicts: MergeConflict[] = [];
  const codes = [...byCode.keys()].sort(compareCodes);
  const entries = codes.map((code) => mergeCode(code, byCode.get(code) ?? [], conflicts));

  const codesBySource = Object.fromEntries(SOURCE_ORDER.map((s) => [s, 0])) as Record<SourceId, number>;
  for (const entry of entries) for (const s of entry.source ?? []) codesBySource[s as SourceId]++;
  return { entries, conflicts, skipped: batches.skipped, codesBySource };
}

/** The default catalogue built from `rulesDir` and the common items, sorted by code. */
export function buildCatalogue(rulesDir: string): CatalogueEntry[] {
  return buildCatalogueReport(rulesDir).entries;
}

// ---------------------------------------------------------------------------------------------
// Serialisation

/** Code order: plain UTF-16 comparison, independent of locale. */
function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Key order of a serialised entry: the contract's table order, `source` last. */
const KEY_ORDER: readonly string[] = ['med_list_codg', ...MERGE_RULES.map(([field]) => field), 'source'];

/**
 * Deterministic text of a catalogue: entries sorted by `med_list_codg`, keys in a fixed order
 * (unknown keys after, alphabetically), one entry per line, so a rebuild diffs line by line.
 */
export function serializeCatalogue(entries: readonly CatalogueEntry[]): string {
  const lines = [...entries]
    .sort((a, b) => compareCodes(a.med_list_codg, b.med_list_codg))
    .map((entry) => {
      const record = entry as unknown as Record<string, unknown>;
      const extra = Object.keys(record).filter((k) => !KEY_ORDER.includes(k)).sort();
      const ordered: Record<string, unknown> = {};
      for (const key of [...KEY_ORDER, ...extra]) if (record[key] !== undefined) ordered[key] = record[key];
      return JSON.stringify(ordered);
    });
  return lines.length ? `[\n${lines.join(',\n')}\n]\n` : '[]\n';
}

/** The first line (1-based) where two texts differ, or undefined when they are equal. */
export function firstDifferingLine(a: string, b: string): number | undefined {
  if (a === b) return undefined;
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) return i + 1;
  return undefined;
}

