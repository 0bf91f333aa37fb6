/**
 * Labels of injected cases: what the simulator meant a settlement to trip. One settlement carries
 * at most one label; `feedetl_sn` names the offending line when the kind is about one line.
 */
import type { AlertKind } from '../../pipeline/contracts/alert.js';

export interface InjectionLabel {
  kind: AlertKind;
  /** The offending line (absent for settlement-level kinds such as `rx.high_amount`). */
  feedetl_sn?: string;
  /** One sentence for a person reading the labels, zh-CN. */
  note: string;
}

/** One line of the `--labels` NDJSON file. */
export interface LabelLine extends InjectionLabel {
  setl_id: string;
}

export function labelLine(setlId: string, label: InjectionLabel): LabelLine {
  return { setl_id: setlId, kind: label.kind, ...(label.feedetl_sn === undefined ? {} : { feedetl_sn: label.feedetl_sn }), note: label.note };
}
