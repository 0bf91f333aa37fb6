/**
 * Labels of injected cases: what the simulator meant a settlement to trip. One settlement carries
 * at most one label; `feedetl_sn` names the offending line when the kind is about one line.
 *
 * A settlement can legitimately raise several kinds (the flagship 阿托伐他汀 at 61.41 yuan is both
 * above its ceiling and a regional price outlier): `kind` is the one the case was built for, and
 * `also` lists the other kinds the simulator's own reading expects the same settlement to raise
 * (on any of its lines). A check of the detectors counts `kind` for recall, and accepts — and
 * expects — alerts of the `also` kinds on that settlement.
 */
import type { AlertKind } from '../../pipeline/contracts/alert.js';

export interface InjectionLabel {
  kind: AlertKind;
  /** The offending line (absent for settlement-level kinds such as `rx.high_amount`). */
  feedetl_sn?: string;
  /** Other kinds this settlement is expected to raise too (absent: none). */
  also?: AlertKind[];
  /** One sentence for a person reading the labels, zh-CN. */
  note: string;
}

/** One line of the `--labels` NDJSON file. */
export interface LabelLine extends InjectionLabel {
  setl_id: string;
}

export function labelLine(setlId: string, label: InjectionLabel): LabelLine {
  return {
    setl_id: setlId,
    kind: label.kind,
    ...(label.feedetl_sn === undefined ? {} : { feedetl_sn: label.feedetl_sn }),
    ...(label.also?.length ? { also: [...label.also] } : {}),
    note: label.note,
  };
}

/** Every kind a labelled settlement is expected to raise: its `kind`, then its `also` kinds. */
export function expectedKinds(label: InjectionLabel | undefined): AlertKind[] {
  return label ? [label.kind, ...(label.also ?? [])] : [];
}
