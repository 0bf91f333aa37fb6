/**
 * The explicit registry of detector kinds. To add a kind: write `pipeline/detectors/<kind>.ts`
 * exporting a `defineDetector({...})`, and list it here. Options come from the `rules` section of
 * the configuration, keyed by kind; unknown kinds and unknown option names are refused at start-up.
 */
import type { AlertKind } from '../contracts/alert.js';
import type { Detector, DetectorDefinition, DetectorDeps } from './detector.js';
import { createPersonStatusStore, type PersonStatusStore } from '../state/person-status.js';
import { createTraceCodeStore } from '../state/trace-code-store.js';
import { rxGenderRestricted } from './rx-gender-restricted.js';
import { rxAgeRestricted } from './rx-age-restricted.js';
import { rxDaysExceeded } from './rx-days-exceeded.js';
import { rxIndicationMismatch } from './rx-indication-mismatch.js';
import { rxDuplicateCharge } from './rx-duplicate-charge.js';
import { rxSettingRestricted } from './rx-setting-restricted.js';
import { rxHighAmount } from './rx-high-amount.js';
import { priceAboveCeiling } from './price-above-ceiling.js';
// imports: history kinds
import { rxTestFrequency } from './rx-test-frequency.js';
import { rxDeceased } from './rx-deceased.js';
import { rxInpatientOverlap } from './rx-inpatient-overlap.js';
import { rxReadmission } from './rx-readmission.js';
import { rxFrequentVisits } from './rx-frequent-visits.js';
// imports: price baseline kinds
import { priceOutlier } from './price-outlier.js';
import { priceFacilityMarkup } from './price-facility-markup.js';
// imports: reflow kinds
import { reflowTraceCodeReuse } from './reflow-trace-code-reuse.js';
import { reflowStockpile } from './reflow-stockpile.js';
import { reflowPharmacyHopping } from './reflow-pharmacy-hopping.js';

/** Every kind this build can detect, in evaluation order. */
export const DETECTOR_DEFINITIONS: readonly DetectorDefinition<object>[] = [
  rxGenderRestricted,
  rxAgeRestricted,
  rxDaysExceeded,
  rxIndicationMismatch,
  rxDuplicateCharge,
  rxSettingRestricted,
  rxHighAmount,
  priceAboveCeiling,
  // registry: history kinds
  rxTestFrequency,
  rxDeceased,
  rxInpatientOverlap,
  rxReadmission,
  rxFrequentVisits,
  // registry: price baseline kinds
  priceOutlier,
  priceFacilityMarkup,
  // registry: reflow kinds
  reflowTraceCodeReuse,
  reflowStockpile,
  reflowPharmacyHopping,
] as DetectorDefinition<object>[];

/** Per-kind options: `enabled` plus the kind's own thresholds. */
export type RulesConfig = Partial<Record<AlertKind, Record<string, unknown> & { enabled?: boolean }>>;

/** Problems with a `rules` configuration section (empty when valid). */
export function rulesConfigProblems(rules: RulesConfig, definitions = DETECTOR_DEFINITIONS): string[] {
  const problems: string[] = [];
  const byKind = new Map(definitions.map((d) => [d.kind as string, d]));
  for (const [kind, options] of Object.entries(rules)) {
    const def = byKind.get(kind);
    if (!def) {
      problems.push(`rules.${kind}: unknown kind (known: ${[...byKind.keys()].join(', ')})`);
      continue;
    }
    if (typeof options !== 'object' || options === null) {
      problems.push(`rules.${kind}: must be an object`);
      continue;
    }
    for (const [name, value] of Object.entries(options)) {
      if (name === 'enabled') {
        if (typeof value !== 'boolean') problems.push(`rules.${kind}.enabled: must be true or false`);
        continue;
      }
      if (!(name in def.defaults)) {
        problems.push(`rules.${kind}.${name}: unknown option (known: ${['enabled', ...Object.keys(def.defaults)].join(', ')})`);
        continue;
      }
      const expected = typeof (def.defaults as Record<string, unknown>)[name];
      if (typeof value !== expected) problems.push(`rules.${kind}.${name}: must be a ${expected}`);
    }
  }
  return problems;
}

/** Memory-only stores: for the pure engine in tests and tools (the pipeline passes ClickHouse-backed ones). */
export function memoryDeps(): DetectorDeps & { persons: PersonStatusStore } {
  return { persons: createPersonStatusStore(), traceCodes: createTraceCodeStore() };
}

/** Creates the enabled detectors, each with its defaults overridden by the configuration. */
export function createDetectors(rules: RulesConfig = {}, deps: DetectorDeps = memoryDeps(), definitions = DETECTOR_DEFINITIONS): Detector[] {
  return definitions
    .filter((d) => rules[d.kind]?.enabled !== false)
    .map((d) => {
      const { enabled: _enabled, ...overrides } = rules[d.kind] ?? {};
      return d.create(Object.freeze({ ...d.defaults, ...overrides }), deps);
    });
}
