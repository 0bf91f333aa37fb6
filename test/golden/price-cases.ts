/**
 * Writes the golden inputs of `price.outlier` and `price.facility_markup`: their baselines need at
 * least 30 prices per drug and a facility needs 50 priced items, so the public hospitals' stays
 * (one fee line per drug per day) are generated here, with a seeded noise, instead of typed.
 * The output is committed; run this only to change a case, then regenerate the expected alerts
 * (`npx tsx test/golden/update-goldens.ts`) and review them.
 *
 *   npx tsx test/golden/price-cases.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogueEntry } from '../../pipeline/catalogue/catalogue-entry.js';
import type { Settlement, SettlementItem } from '../../pipeline/contracts/settlement.js';
import { GOLDEN_ROOT, toNdjson } from './update-goldens.js';

/** The drugs of the cases (no ceilings or other restrictions: only the price kinds look at them). */
const DRUGS = {
  ator: { med_list_codg: 'XC10AAA139A001010100518', name: '阿托伐他汀钙片', list_type: '101', group: 'C10AA05', source: ['golden: price baseline'] },
  amlo: { med_list_codg: 'XC08CAA059A001010100302', name: '苯磺酸氨氯地平片', list_type: '101', group: 'C08CA01', source: ['golden: price baseline'] },
  metf: { med_list_codg: 'XA10BAE054A001010100267', name: '盐酸二甲双胍片', list_type: '101', group: 'A10BA02', source: ['golden: price baseline'] },
  clop: { med_list_codg: 'XB01ACL086A001010100422', name: '硫酸氢氯吡格雷片', list_type: '101', group: 'B01AC04', source: ['golden: price baseline'] },
  rosu: { med_list_codg: 'XC10AAR236A001010100566', name: '瑞舒伐他汀钙片', list_type: '101', group: 'C10AA07', source: ['golden: price baseline'] },
} as const satisfies Record<string, CatalogueEntry>;
type Drug = keyof typeof DRUGS;

/** Regional (public hospital) unit prices, yuan. */
const PUBLIC_PRICE: Record<Drug, number> = { ator: 2.86, amlo: 1.46, metf: 3.1, clop: 4.2, rosu: 5.6 };

/** Seeded normal noise (mulberry32 + Box–Muller): the same files on every run. */
function normal(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const cents = (yuan: number) => Math.round(yuan * 100);

interface Line {
  drug: Drug;
  pric: number;
  cnt?: number;
}

interface Spec {
  id: string;
  psn: string;
  gend: '1' | '2';
  brdy: string;
  admdvs?: string;
  facility: string;
  /** `YYYY-MM-DDTHH:mm`, local time. */
  time: string;
  /** Inpatient stays: admission, local time; `time` is the discharge and settlement. */
  admitted?: string;
  diag: [string, string];
  lines: Line[];
  refundOf?: Settlement;
}

function settlement(s: Spec): Settlement {
  if (s.refundOf) {
    const { setl_id: orig, ...rest } = s.refundOf;
    return { setl_id: s.id, setl_type: 'refund', orig_setl_id: orig, ...rest, setl_time: `${s.time}:00+08:00` };
  }
  const items: SettlementItem[] = s.lines.map((l, i) => {
    const cnt = l.cnt ?? 1;
    return { feedetl_sn: String(i + 1), med_list_codg: DRUGS[l.drug].med_list_codg, list_type: '101', cnt, pric: l.pric, det_item_fee_sumamt: cents(cnt * l.pric) / 100 };
  });
  const total = items.reduce((sum, it) => sum + cents(it.det_item_fee_sumamt), 0);
  const fund = Math.round(total * 0.7);
  const inpatient = s.admitted !== undefined;
  return {
    setl_id: s.id,
    mdtrt_id: s.id.replace(/^GLD-/, 'MDT-'),
    psn_no: s.psn,
    gend: s.gend,
    brdy: s.brdy,
    insutype: '310',
    admdvs: s.admdvs ?? '320102',
    fixmedins_code: s.facility,
    fixmedins_type: '1',
    med_type: inpatient ? '21' : '11',
    setl_time: `${s.time}:00+08:00`,
    ...(inpatient ? { begntime: `${s.admitted}:00+08:00`, endtime: `${s.time}:00+08:00` } : {}),
    diag: [{ diag_code: s.diag[0], diag_name: s.diag[1] }],
    medfee_sumamt: total / 100,
    fund_pay_sumamt: fund / 100,
    psn_cash_pay: (total - fund) / 100,
    items,
  };
}

/** A public hospital stay: one line per drug per day at the regional price with a small noise. */
function publicStay(days: number, drugs: readonly Drug[], seed: number, spread = 0.015, prices = PUBLIC_PRICE): Line[] {
  const noise = normal(seed);
  const lines: Line[] = [];
  for (let d = 0; d < days; d++) for (const drug of drugs) lines.push({ drug, pric: Math.round(prices[drug] * Math.exp(spread * noise()) * 100) / 100 });
  return lines;
}

/** The same price on every line (a facility charges one price per drug). */
const daily = (days: number, prices: Partial<Record<Drug, number>>): Line[] =>
  Array.from({ length: days }, () => Object.entries(prices).map(([drug, pric]) => ({ drug: drug as Drug, pric: pric! }))).flat();

const HTN: [string, string] = ['I10.x00', '原发性高血压'];
const CHD: [string, string] = ['I25.103', '冠状动脉粥样硬化性心脏病'];
const DM: [string, string] = ['E11.900', '2型糖尿病'];

function write(kind: string, name: string, specs: readonly Spec[], drugs: readonly Drug[]): void {
  const dir = join(GOLDEN_ROOT, kind);
  mkdirSync(dir, { recursive: true });
  const events: Settlement[] = [];
  for (const s of specs) events.push(settlement(s.refundOf ? { ...s, refundOf: events.find((e) => e.setl_id === s.refundOf!.setl_id)! } : s));
  writeFileSync(join(dir, `${name}.events.ndjson`), toNdjson(events));
  writeFileSync(join(dir, `${name}.catalogue.json`), `[\n${drugs.map((d) => `  ${JSON.stringify(DRUGS[d])}`).join(',\n')}\n]\n`);
}

// ---- price.outlier ---------------------------------------------------------------------------

// 29 prices are not a baseline; the 30th makes one (the earlier outlier itself is one of the 30).
write('price.outlier', 'minimum-baseline', [
  { id: 'GLD-POL-01-MISS', psn: '32010500000000001001', gend: '1', brdy: '1951-03-09', facility: 'H32010200101', admitted: '2026-10-04T10:00', time: '2026-11-02T09:00', diag: CHD, lines: publicStay(29, ['ator'], 101) },
  { id: 'GLD-POL-02-MISS', psn: '32010500000000001002', gend: '2', brdy: '1958-07-21', facility: 'H32010200877', time: '2026-11-03T10:00', diag: CHD, lines: [{ drug: 'ator', pric: 61.41 }] },
  { id: 'GLD-POL-03-HIT', psn: '32010500000000001003', gend: '1', brdy: '1955-12-30', facility: 'H32010200878', time: '2026-11-03T11:00', diag: CHD, lines: [{ drug: 'ator', pric: 61.41 }] },
], ['ator']);

// The flagship: public hospitals sell atorvastatin at about 2.86; a private hospital charges 61.41.
// Another region has no baseline; a refund does not rewind the baseline.
write('price.outlier', 'atorvastatin', [
  { id: 'GLD-POL-04-MISS', psn: '32010500000000001004', gend: '1', brdy: '1949-02-14', facility: 'H32010200101', admitted: '2026-10-20T08:30', time: '2026-11-05T09:30', diag: CHD, lines: publicStay(16, ['ator'], 104) },
  { id: 'GLD-POL-05-MISS', psn: '32010500000000001005', gend: '2', brdy: '1953-09-02', facility: 'H32010200102', admitted: '2026-10-21T14:00', time: '2026-11-06T10:00', diag: CHD, lines: publicStay(16, ['ator'], 105) },
  { id: 'GLD-POL-06-HIT', psn: '32010500000000001006', gend: '1', brdy: '1960-05-17', facility: 'H32010200877', time: '2026-11-07T09:15', diag: HTN, lines: [{ drug: 'ator', pric: 61.41, cnt: 2 }] },
  { id: 'GLD-POL-07-MISS', psn: '32010500000000001007', gend: '2', brdy: '1962-11-08', admdvs: '320105', facility: 'H32010500877', time: '2026-11-07T09:40', diag: HTN, lines: [{ drug: 'ator', pric: 61.41, cnt: 2 }] },
  { id: 'GLD-POL-08-REFUND', psn: '32010500000000001006', gend: '1', brdy: '1960-05-17', facility: 'H32010200877', time: '2026-11-07T10:05', diag: HTN, lines: [], refundOf: { setl_id: 'GLD-POL-06-HIT' } as Settlement },
  { id: 'GLD-POL-09-HIT', psn: '32010500000000001009', gend: '1', brdy: '1957-01-26', facility: 'H32010200877', time: '2026-11-08T15:30', diag: HTN, lines: [{ drug: 'ator', pric: 61.41 }, { drug: 'ator', pric: 2.9 }] },
], ['ator']);

// Both conditions must hold: far out in z but under 1.5 × the median, and over 1.5 × but within 3.5 z.
write('price.outlier', 'both-conditions', [
  { id: 'GLD-POL-10-MISS', psn: '32010500000000001010', gend: '2', brdy: '1966-04-03', facility: 'H32010200101', admitted: '2026-10-10T09:00', time: '2026-11-10T09:00', diag: HTN, lines: publicStay(32, ['amlo'], 110, 0.01) },
  { id: 'GLD-POL-11-MISS', psn: '32010500000000001011', gend: '1', brdy: '1959-06-19', facility: 'H32010200877', time: '2026-11-10T10:00', diag: HTN, lines: [{ drug: 'amlo', pric: 2.15 }] },
  { id: 'GLD-POL-12-HIT', psn: '32010500000000001012', gend: '2', brdy: '1961-08-11', facility: 'H32010200877', time: '2026-11-10T10:30', diag: HTN, lines: [{ drug: 'amlo', pric: 2.25 }] },
  { id: 'GLD-POL-13-MISS', psn: '32010500000000001013', gend: '1', brdy: '1963-02-27', facility: 'H32010200102', admitted: '2026-10-11T09:00', time: '2026-11-10T11:00', diag: DM, lines: publicStay(32, ['metf'], 113, 0.45) },
  { id: 'GLD-POL-14-MISS', psn: '32010500000000001014', gend: '2', brdy: '1968-10-05', facility: 'H32010200877', time: '2026-11-10T14:00', diag: DM, lines: [{ drug: 'metf', pric: 5.6 }] },
], ['amlo', 'metf']);

// 集采: every public hospital bills exactly the same price, so the MAD is 0 and the ratio decides.
write('price.outlier', 'mad-zero', [
  { id: 'GLD-POL-15-MISS', psn: '32010500000000001015', gend: '1', brdy: '1950-09-09', facility: 'H32010200101', admitted: '2026-10-12T09:00', time: '2026-11-12T09:00', diag: CHD, lines: daily(31, { clop: 4.2 }) },
  { id: 'GLD-POL-16-MISS', psn: '32010500000000001016', gend: '2', brdy: '1954-03-15', facility: 'H32010200877', time: '2026-11-12T10:00', diag: CHD, lines: [{ drug: 'clop', pric: 6.29 }] },
  { id: 'GLD-POL-17-HIT', psn: '32010500000000001017', gend: '1', brdy: '1956-12-01', facility: 'H32010200877', time: '2026-11-12T10:20', diag: CHD, lines: [{ drug: 'clop', pric: 6.31 }] },
], ['clop']);

// ---- price.facility_markup -------------------------------------------------------------------

const MARKUP: Partial<Record<Drug, number>> = { amlo: 2.04, metf: 4.34, clop: 5.88 }; // 1.4 ×: under price.outlier's 1.5 ×

// The flagship: two public stays make the baselines; a private hospital's stay bills 52 items
// marked up 1.4 × plus atorvastatin at 61.41 (price.outlier too). Once per facility per day.
write('price.facility_markup', 'private-hospital', [
  { id: 'GLD-MKP-01-MISS', psn: '32010500000000002001', gend: '1', brdy: '1948-06-30', facility: 'H32010200101', admitted: '2026-10-25T09:00', time: '2026-11-10T09:00', diag: CHD, lines: publicStay(16, ['ator', 'amlo', 'metf', 'clop'], 201) },
  { id: 'GLD-MKP-02-MISS', psn: '32010500000000002002', gend: '2', brdy: '1952-01-13', facility: 'H32010200102', admitted: '2026-10-26T10:00', time: '2026-11-11T09:30', diag: CHD, lines: publicStay(16, ['ator', 'amlo', 'metf', 'clop'], 202) },
  { id: 'GLD-MKP-03-HIT', psn: '32010500000000002003', gend: '1', brdy: '1957-04-22', facility: 'H32010200877', admitted: '2026-11-05T08:00', time: '2026-11-18T10:00', diag: CHD, lines: [...daily(13, { amlo: MARKUP.amlo!, metf: MARKUP.metf!, clop: MARKUP.clop!, ator: 4.0 }), { drug: 'ator', pric: 61.41, cnt: 2 }] },
  { id: 'GLD-MKP-04-MISS', psn: '32010500000000002004', gend: '2', brdy: '1964-08-08', facility: 'H32010200877', time: '2026-11-18T15:00', diag: HTN, lines: [{ drug: 'amlo', pric: 2.04, cnt: 28 }, { drug: 'clop', pric: 5.88, cnt: 14 }] },
  { id: 'GLD-MKP-05-HIT', psn: '32010500000000002005', gend: '1', brdy: '1959-10-17', facility: 'H32010200877', time: '2026-11-19T09:00', diag: HTN, lines: [{ drug: 'amlo', pric: 2.04, cnt: 28 }] },
  { id: 'GLD-MKP-06-MISS', psn: '32010500000000002006', gend: '2', brdy: '1961-12-24', facility: 'H32010200103', time: '2026-11-19T09:30', diag: HTN, lines: [{ drug: 'amlo', pric: 1.46, cnt: 28 }, { drug: 'ator', pric: 2.86, cnt: 14 }] },
], ['ator', 'amlo', 'metf', 'clop']);

// 50 counted items at the least: a drug whose baseline holds under 30 prices does not count.
write('price.facility_markup', 'minimum-items', [
  { id: 'GLD-MKP-07-MISS', psn: '32010500000000002007', gend: '1', brdy: '1950-02-02', facility: 'H32010200101', admitted: '2026-10-28T09:00', time: '2026-11-13T09:00', diag: DM, lines: [...publicStay(16, ['amlo', 'metf', 'clop'], 207), ...publicStay(5, ['rosu'], 217)] },
  { id: 'GLD-MKP-08-MISS', psn: '32010500000000002008', gend: '2', brdy: '1955-05-05', facility: 'H32010200102', admitted: '2026-10-29T09:00', time: '2026-11-14T09:00', diag: DM, lines: [...publicStay(16, ['amlo', 'metf', 'clop'], 208), ...publicStay(5, ['rosu'], 218)] },
  { id: 'GLD-MKP-09-MISS', psn: '32010500000000002009', gend: '1', brdy: '1958-08-18', facility: 'H32010200877', admitted: '2026-11-03T09:00', time: '2026-11-20T10:00', diag: DM, lines: [...daily(17, { amlo: 2.04, metf: 4.34, clop: 5.88 }).slice(0, 49), ...daily(10, { rosu: 7.84 })] },
  { id: 'GLD-MKP-10-HIT', psn: '32010500000000002010', gend: '2', brdy: '1962-03-03', facility: 'H32010200877', time: '2026-11-20T16:00', diag: DM, lines: [{ drug: 'metf', pric: 4.34, cnt: 30 }] },
], ['amlo', 'metf', 'clop', 'rosu']);

// The median must exceed 1.3: 1.25 × does not; the window rolls over the last 50 items.
write('price.facility_markup', 'rolling-window', [
  { id: 'GLD-MKP-11-MISS', psn: '32010500000000002011', gend: '1', brdy: '1953-07-07', facility: 'H32010200101', admitted: '2026-10-28T09:00', time: '2026-11-13T09:00', diag: HTN, lines: publicStay(16, ['amlo', 'metf', 'clop'], 211) },
  { id: 'GLD-MKP-12-MISS', psn: '32010500000000002012', gend: '2', brdy: '1957-09-19', facility: 'H32010200102', admitted: '2026-10-29T09:00', time: '2026-11-14T09:00', diag: HTN, lines: publicStay(16, ['amlo', 'metf', 'clop'], 212) },
  { id: 'GLD-MKP-13-MISS', psn: '32010500000000002013', gend: '1', brdy: '1960-11-11', facility: 'H32010200879', admitted: '2026-11-03T09:00', time: '2026-11-21T10:00', diag: HTN, lines: daily(18, { amlo: 1.83, metf: 3.88, clop: 5.25 }) },
  { id: 'GLD-MKP-14-MISS', psn: '32010500000000002014', gend: '2', brdy: '1963-01-31', facility: 'H32010200879', admitted: '2026-11-12T09:00', time: '2026-11-22T10:00', diag: HTN, lines: daily(4, { amlo: 2.12, metf: 4.5 }) },
  { id: 'GLD-MKP-15-HIT', psn: '32010500000000002015', gend: '1', brdy: '1965-06-06', facility: 'H32010200879', admitted: '2026-11-15T09:00', time: '2026-11-24T10:00', diag: HTN, lines: daily(9, { amlo: 2.12, metf: 4.5 }) },
], ['amlo', 'metf', 'clop']);
