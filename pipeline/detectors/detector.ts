/**
 * The detector contract. One alert kind per file (`pipeline/detectors/<kind>.ts`), each exporting
 * a {@link DetectorDefinition}: its options with defaults and its factory. The registry
 * (`registry.ts`) lists them explicitly; nothing registers itself by import.
 *
 * Call order, for every settlement, in event-time order per state key:
 *   1. `check(ctx)` — pure: reads the settlement, the catalogue and, for stateful kinds, the keyed
 *      event-time state; returns findings; never mutates anything. Drafts (phase `pre`) stop here,
 *      which is what makes a pre-event check change no state.
 *   2. `record(ctx)` — stateful kinds only, settlements only (phase `in`): folds the settlement
 *      into the detector's keyed state, once the settlement has been checked by every detector.
 * An empty array means "nothing found". A thrown error is a bug: the message is retried and,
 * past the maximum deliveries, dead-lettered with reason `processing_failed`.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { AlertKind, Phase, Severity } from '../contracts/alert.js';
import type { Settlement, SettlementItem } from '../contracts/settlement.js';
import type { SettlementFacts } from './settlement-facts.js';

export interface DetectorContext {
  readonly settlement: Settlement;
  readonly facts: SettlementFacts;
  readonly catalogue: Catalogue;
  readonly phase: Phase;
}

/** What a detector found; the engine turns it into an alert record. */
export interface Finding {
  /**
   * Distinguishes findings of one kind on one settlement (usually the `feedetl_sn` of the line,
   * `''` for settlement-level findings). Part of the deterministic `alert_id`: it must depend only
   * on the input, never on time or arrival order.
   */
  readonly key: string;
  readonly severity: Severity;
  /** How far past the threshold (≥ 1 means past it). */
  readonly score: number;
  /** Yuan put in doubt. */
  readonly amountAtRisk: number;
  /** The line concerned, when the finding is about one item. */
  readonly item?: SettlementItem;
  readonly evidence: Record<string, unknown>;
  /** One sentence for the reviewer, zh-CN. */
  readonly message: string;
}

export interface Detector {
  readonly kind: AlertKind;
  check(ctx: DetectorContext): Finding[];
  /** Stateful kinds: fold a checked settlement into keyed event-time state. */
  record?(ctx: DetectorContext): void;
}

/**
 * A kind's entry in the registry: its options with defaults (every threshold of the kind lives
 * here, overridable from the `rules` section of the configuration) and its factory.
 */
export interface DetectorDefinition<O extends object = object> {
  readonly kind: AlertKind;
  /** One line for the README and `--help`. */
  readonly description: string;
  readonly defaults: Readonly<O>;
  create(options: Readonly<O>): Detector;
}

/** Preserves the options type of a definition while letting the registry hold them together. */
export function defineDetector<O extends object>(definition: DetectorDefinition<O>): DetectorDefinition<O> {
  return definition;
}

/** Rounds yuan to the cent (money in alerts is always to the cent). */
export function yuan(value: number): number {
  return Math.round(value * 100) / 100;
}
