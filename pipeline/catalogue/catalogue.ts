/**
 * Loading, validating and indexing the catalogue. An invalid catalogue is refused at start-up
 * with every problem listed ({@link ConfigError}); a valid one is frozen and indexed by code.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import schema from './catalogue.schema.json' with { type: 'json' };
import { ConfigError } from '../errors.js';
import type { CatalogueEntry } from './catalogue-entry.js';

/** The default catalogue, built from the national rule batches by `npm run build:catalogue`. */
export const DEFAULT_CATALOGUE_PATH = fileURLToPath(new URL('./default-catalogue.json', import.meta.url));

export interface Catalogue {
  /** Where it was loaded from (a path, or `inline`). */
  readonly source: string;
  readonly size: number;
  /** The entry of a national code, or undefined: an unknown code is not an error. */
  get(code: string): CatalogueEntry | undefined;
  entries(): Iterable<CatalogueEntry>;
}

const validateShape = new Ajv2020({ allErrors: true, strict: true }).compile<CatalogueEntry[]>(schema);

/** Checks shape and consistency; returns every problem found (empty when valid). */
export function catalogueProblems(data: unknown): string[] {
  const problems: string[] = [];
  if (!validateShape(data)) {
    for (const e of validateShape.errors ?? []) {
      const where = e.instancePath || '/';
      const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
      problems.push(`${where}: ${e.message ?? e.keyword}${extra}`);
    }
  }
  if (!Array.isArray(data)) return problems;
  // Consistency checks run on every entry that has the fields, whatever the shape errors elsewhere.
  const seen = new Map<string, number>();
  data.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) return;
    const entry = raw as Partial<Record<keyof CatalogueEntry, unknown>>;
    const code = entry.med_list_codg;
    if (typeof code === 'string') {
      const first = seen.get(code);
      if (first !== undefined) problems.push(`/${i}: duplicate med_list_codg ${code} (first at /${first})`);
      else seen.set(code, i);
    }
    if (typeof entry.age_min === 'number' && typeof entry.age_max === 'number' && entry.age_min > entry.age_max) {
      problems.push(`/${i}: age_min ${entry.age_min} > age_max ${entry.age_max} (${String(code)})`);
    }
    if (Array.isArray(entry.conflicts_with) && typeof code === 'string' && entry.conflicts_with.includes(code)) {
      problems.push(`/${i}: conflicts_with lists the entry's own code ${code}`);
    }
  });
  return problems;
}

/** Builds a catalogue from already-parsed entries; throws {@link ConfigError} listing every problem. */
export function createCatalogue(data: unknown, source = 'inline'): Catalogue {
  const problems = catalogueProblems(data);
  if (problems.length) {
    throw new ConfigError('YB_CATALOGUE_INVALID', `目录文件无效 / catalogue ${source} is invalid (${problems.length} problem(s))`, problems);
  }
  const entries = data as CatalogueEntry[];
  const byCode = new Map<string, CatalogueEntry>();
  for (const entry of entries) byCode.set(entry.med_list_codg, Object.freeze(entry));
  return Object.freeze({
    source,
    size: byCode.size,
    get: (code: string) => byCode.get(code),
    entries: () => byCode.values(),
  });
}

/** Reads and validates a catalogue file (default: the built national one). */
export function loadCatalogue(path: string = DEFAULT_CATALOGUE_PATH): Catalogue {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError('YB_CATALOGUE_UNREADABLE', `无法读取目录文件 / cannot read catalogue ${path}: ${(cause as Error).message}`, [], { cause });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError('YB_CATALOGUE_INVALID', `目录文件不是有效的 JSON / catalogue ${path} is not valid JSON: ${(cause as Error).message}`, [], { cause });
  }
  return createCatalogue(data, path);
}
