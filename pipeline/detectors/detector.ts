/**
 * The detector contract. One alert kind per file (`pipeline/detectors/<kind>.ts`), each exporting
 * a {@link DetectorDefinition}: its options with defaults and its factory. The registry
 * (`registry.ts`) lists them explicitly; nothing registers itself by import.
 *
 * Call order, for every settlement, in stream order:
 *   0. `prepare(settlements)` — optional, async, once per batch before any check: load from a
 *      shared store what the batch's checks will read (trace codes).
 *   1. `check(ctx)` — pure: reads the settlement, the catalogue and, for stateful kinds, the keyed
 *      event-time state; returns findings; never mutates anything. Drafts (phase `pre`) stop here,
 *      which is what makes a pre-event check change no state. Not called for refunds (a refund
 *      raises no alert of its own).
 *   2. `record(ctx)` — stateful kinds only, settlements only (phase `in`), refunds included: folds
 *      the settlement into the detector's keyed state (a refund undoes what its original added),
 *      once it has been checked by every detector. Idempotent per settlement: recording a
 *      settlement twice (rebuilt from ClickHouse, then redelivered) changes nothing the second time.
 *      Also called, with `ctx.rebuilding` true, when state is rebuilt from history at start-up.
 *   3. `evict(watermarkMs)` — from time to time: drop state older than the event-time watermark
 *      minus the detector's own lookback, so memory stays bounded however long the stream runs.
 * Ordering rule of state (`pipeline/state/history.ts`): the check of the settlement with stream
 * sequence `n` sees only what settlements with a smaller sequence recorded. That makes the alerts
 * a function of the stream, not of crashes, restarts or redeliveries.
 * An empty array means "nothing found". A thrown error is a bug: the message is retried and,
 * past the maximum deliveries, dead-lettered with reason `processing_failed`.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { AlertKind, Phase, Severity } from '../contracts/alert.js';
import type { Settlement, SettlementItem } from '../contracts/settlement.js';
import type { SettlementFacts } from './settlement-facts.js';
import type { HistorySize } from '../state/history.js';
import type { PersonStatusView } from '../state/person-status.js';
import type { TraceCodeStore } from '../state/trace-code-store.js';

export interface DetectorContext {
  readonly settlement: Settlement;
  readonly facts: SettlementFacts;
  readonly catalogue: Catalogue;
  readonly phase: Phase;
  /**
   * Stream sequence of the settlement: its check sees only state recorded by smaller sequences.
   * Drafts (phase `pre`) use `Number.POSITIVE_INFINITY`: everything known.
   */
  readonly seq: number;
  /** True while state is rebuilt from history at start-up (record only; nothing is written out). */
  readonly rebuilding: boolean;
  /**
   * Rebuild only: the newest event time in the history being replayed. A kind whose lookback
   * covers state it only derives from (prices for baselines) can skip the rest of its work for
   * settlements that old.
   */
  readonly latestMs?: number;
}

/** What stateful detectors are given besides their options. */
export interface DetectorDeps {
  readonly persons: PersonStatusView;
  readonly traceCodes: TraceCodeStore;
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
  /** Stateful kinds: load what a batch's checks will read from a shared store. */
  prepare?(settlements: readonly Settlement[]): Promise<void>;
  check(ctx: DetectorContext): Finding[];
  /** Stateful kinds: fold a checked settlement (or a refund) into keyed event-time state. */
  record?(ctx: DetectorContext): void;
  /** Stateful kinds: drop entries older than the watermark minus the kind's lookback. */
  evict?(watermarkMs: number): void;
  /** Stateful kinds: how much state is held (for the memory benchmark and metrics). */
  stateSize?(): HistorySize;
  /** Event-time lookback (ms) the kind needs from history when state is rebuilt. @default 0 */
  readonly lookbackMs?: number;
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
  create(options: Readonly<O>, deps: DetectorDeps): Detector;
}

/** Preserves the options type of a definition while letting the registry hold them together. */
export function defineDetector<O extends object>(definition: DetectorDefinition<O>): DetectorDefinition<O> {
  return definition;
}

/** Rounds yuan to the cent (money in alerts is always to the cent). */
export function yuan(value: number): number {
  return Math.round(value * 100) / 100;
}
