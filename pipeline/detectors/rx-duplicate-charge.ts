/**
 * `rx.duplicate_charge` (重复收费): within one settlement (one `mdtrt_id`), a service or test
 * (`list_type` `"201"`, from the line or else its catalogue entry) that is
 *   - billed on more lines than its catalogue `max_per_visit` (default 1): one finding per line
 *     past the first `max_per_visit` in input order (key `<feedetl_sn>:lines`);
 *   - billed in a total quantity above `max_per_day` × the days of the stay (1 for a visit): one
 *     finding on the code's last line (key `<feedetl_sn>:qty`), amount = excess quantity × `pric`;
 *   - billed together with an item its catalogue `conflicts_with` lists: one finding on each line
 *     of the listed item, whatever its list type (key `<feedetl_sn>:conflict:<listing code>`),
 *     amount = that line's fee. Either side may be the listing one: the listed side is charged.
 * Codes the catalogue does not know are skipped (but may be the listed side of a conflict).
 */
import { effectiveMaxPerVisit, type CatalogueEntry } from '../catalogue/catalogue-entry.js';
import type { Severity } from '../contracts/alert.js';
import type { SettlementItem } from '../contracts/settlement.js';
import { defineDetector, yuan, type Finding } from './detector.js';
import type { ItemFacts } from './settlement-facts.js';

export interface DuplicateChargeOptions {
  /**
   * @default "medium" — the same fee charged twice is money the fund should not pay, but split
   * lines are also a common HIS artefact; a reviewer confirms before recovery.
   */
  severity: Severity;
}

/** Quantities are summed in this precision (4 decimals), so 0.1 + 0.2 is 0.3. */
function qty(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}

function groupByCode(items: readonly ItemFacts[], keep: (f: ItemFacts) => boolean): Map<string, ItemFacts[]> {
  const byCode = new Map<string, ItemFacts[]>();
  for (const f of items) {
    if (!keep(f)) continue;
    const lines = byCode.get(f.item.med_list_codg);
    if (lines) lines.push(f);
    else byCode.set(f.item.med_list_codg, [f]);
  }
  return byCode;
}

export const rxDuplicateCharge = defineDetector<DuplicateChargeOptions>({
  kind: 'rx.duplicate_charge',
  description: 'Service or test (list_type 201) billed on more lines than max_per_visit, above max_per_day × stay days, or with a conflicts_with item, in one visit.',
  defaults: { severity: 'medium' },
  create(options) {
    const fee = (item: SettlementItem) => item.det_item_fee_sumamt.toFixed(2);
    return {
      kind: 'rx.duplicate_charge',
      check({ facts }) {
        const findings: Finding[] = [];
        const seen = new Set<string>();
        const add = (finding: Finding) => {
          if (seen.has(finding.key)) return;
          seen.add(finding.key);
          findings.push(finding);
        };
        const services = groupByCode(facts.items, (f) => f.listType === '201');
        const allLines = groupByCode(facts.items, () => true);
        const stay = facts.inpatient ? `住院 ${facts.stayDays} 天` : '本次就诊';

        for (const [code, lines] of services) {
          const entry = lines[0]?.entry;
          if (!entry) continue;

          // More lines than max_per_visit: every line past the allowed ones, in input order.
          const maxLines = effectiveMaxPerVisit(entry) ?? 1;
          lines.slice(maxLines).forEach(({ item }, i) => {
            add({
              key: `${item.feedetl_sn}:lines`,
              severity: options.severity,
              score: lines.length / maxLines,
              amountAtRisk: item.det_item_fee_sumamt,
              item,
              evidence: {
                rule: '重复收费',
                check: 'max_per_visit',
                item_name: entry.name,
                max_per_visit: maxLines,
                line_count: lines.length,
                line_number: maxLines + i + 1,
                feedetl_sns: lines.map((l) => l.item.feedetl_sn),
                catalogue_source: entry.source,
              },
              message: `「${entry.name}」在同一次就诊中计费 ${lines.length} 行，超过限定的 ${maxLines} 行，本行为第 ${maxLines + i + 1} 行，金额 ${fee(item)} 元。`,
            });
          });

          // More quantity than max_per_day × the days of the stay: one finding on the last line.
          const perDay = entry.max_per_day;
          const last = lines[lines.length - 1]?.item;
          if (perDay !== undefined && last) {
            const allowed = qty(perDay * facts.stayDays);
            const total = qty(lines.reduce((sum, l) => sum + l.item.cnt, 0));
            if (total > allowed) {
              const excess = qty(total - allowed);
              add({
                key: `${last.feedetl_sn}:qty`,
                severity: options.severity,
                score: total / allowed,
                amountAtRisk: yuan(excess * last.pric),
                item: last,
                evidence: {
                  rule: '重复收费',
                  check: 'max_per_day',
                  item_name: entry.name,
                  max_per_day: perDay,
                  stay_days: facts.stayDays,
                  allowed_quantity: allowed,
                  total_quantity: total,
                  excess_quantity: excess,
                  feedetl_sns: lines.map((l) => l.item.feedetl_sn),
                  catalogue_source: entry.source,
                },
                message: `「${entry.name}」在${stay}中合计收费数量 ${total}，超过限定的每日 ${perDay} × ${facts.stayDays} 天 = ${allowed}。`,
              });
            }
          }

          // Billed together with an item this entry's conflicts_with lists: the listed lines are charged.
          for (const other of new Set(entry.conflicts_with ?? [])) {
            const otherLines = allLines.get(other);
            if (!otherLines) continue;
            for (const { item, entry: otherEntry } of otherLines) {
              add(conflictFinding(item, otherEntry, code, entry, lines, options.severity));
            }
          }
        }
        return findings;
      },
    };
  },
});

function conflictFinding(
  item: SettlementItem,
  entry: CatalogueEntry | undefined,
  listingCode: string,
  listing: CatalogueEntry,
  listingLines: readonly ItemFacts[],
  severity: Severity,
): Finding {
  const name = entry?.name ?? item.med_list_codg;
  return {
    key: `${item.feedetl_sn}:conflict:${listingCode}`,
    severity,
    score: 1,
    amountAtRisk: item.det_item_fee_sumamt,
    item,
    evidence: {
      rule: '重复收费',
      check: 'conflicts_with',
      item_name: name,
      conflicting_code: listingCode,
      conflicting_name: listing.name,
      conflicting_feedetl_sns: listingLines.map((l) => l.item.feedetl_sn),
      catalogue_source: listing.source,
    },
    message: `「${name}」与「${listing.name}」在同一次就诊中同时收费，目录规定二者不得同时收费，金额 ${item.det_item_fee_sumamt.toFixed(2)} 元。`,
  };
}
