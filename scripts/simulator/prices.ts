/**
 * Prices. Every item has a regional base price per 医保区划: below its catalogue `price_ceiling`
 * when it has one (62–90 % of it; 阿托伐他汀钙片 at its 集采 price of about 2.86 yuan), otherwise a
 * price synthesised from its category (a consultation costs tens of yuan, an injection up to a few
 * hundred, a CT scan hundreds). A facility charges the regional price times its own small mark-up
 * and a little per-item noise — never above the ceiling. Nothing is stored: every price is a stable
 * hash of (seed, item, region or facility). Money is in fen.
 *
 * Background prices therefore lie in a narrow band around the regional price ({@link PRICE_BAND}):
 * the highest is less than 1.25 × the lowest, so no background price is ever 1.5 × a regional
 * median (`price.outlier`) and no background facility's prices are 1.3 × the regional medians
 * (`price.facility_markup`) — as long as most prices in a baseline are background ones, which they
 * are (injected prices are all above the band, so they cannot pull the median below it).
 */
import type { FormularyItem, ItemCategory } from './formulary.js';
import type { Facility } from './population.js';
import { REGIONS } from './population.js';
import { unitHash } from './random.js';

/** Synthesised unit-price ranges by category, yuan (log-uniform within). */
const RANGE_YUAN: Readonly<Record<ItemCategory, readonly [number, number]>> = {
  oral: [6, 90],
  injection: [10, 260],
  topical: [8, 60],
  herbal: [0.05, 0.8],
  consult: [8, 40],
  ward_consult: [12, 30],
  bed: [30, 90],
  nursing: [12, 40],
  test: [6, 90],
  imaging: [50, 480],
  procedure: [150, 3000],
  service: [8, 160],
  material: [3, 300],
};

/** Background prices, as multiples of the regional price: facility mark-up (population.ts) × noise. */
export const PRICE_BAND = { low: 0.92 * 0.98, high: 1.1 * 1.02 } as const;

/** The flagship item's 集采 price in public hospitals, yuan (see scripts/catalogue/common-items.ts). */
const ANCHORS: readonly { name: string; yuan: number }[] = [{ name: '阿托伐他汀钙片', yuan: 2.86 }];

export interface PriceBook {
  /** A region-independent reference price, fen (for ranking items). */
  referenceFen(item: FormularyItem): number;
  /** The regional base price, fen. */
  regionalFen(item: FormularyItem, region: number): number;
  /** What a facility charges, fen: never above the ceiling. */
  facilityFen(item: FormularyItem, facility: Facility): number;
}

/** The ceiling in fen (rounded down), when the item has one. */
export function ceilingFen(item: FormularyItem): number | undefined {
  const ceiling = item.entry.price_ceiling;
  return ceiling === undefined ? undefined : Math.floor(ceiling * 100 + 1e-6);
}

export function createPriceBook(seedTag: string): PriceBook {
  const reference = (item: FormularyItem): number => {
    const cap = ceilingFen(item);
    if (cap !== undefined) return cap * 0.8;
    const [lo, hi] = RANGE_YUAN[item.category];
    const u = unitHash(seedTag, 'ref', item.code);
    return Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) * 100;
  };
  const regional = (item: FormularyItem, region: number): number => {
    const cap = ceilingFen(item);
    const u = unitHash(seedTag, 'region', item.code, region);
    const anchor = ANCHORS.find((a) => item.entry.name.startsWith(a.name));
    if (cap !== undefined && anchor && anchor.yuan * 100 <= cap) return Math.min(cap, Math.round(anchor.yuan * 100 * (0.99 + 0.02 * u)));
    if (cap !== undefined) return Math.max(1, Math.floor(cap * (0.62 + 0.28 * u)));
    const level = REGIONS[region]?.priceLevel ?? 1;
    return Math.max(1, Math.round(reference(item) * level * (0.95 + 0.1 * u)));
  };
  return {
    referenceFen: reference,
    regionalFen: regional,
    facilityFen(item, facility) {
      const noise = 0.98 + 0.04 * unitHash(seedTag, 'facility', item.code, facility.index);
      const fen = Math.max(1, Math.round(regional(item, facility.region) * facility.markup * noise));
      const cap = ceilingFen(item);
      return cap === undefined ? fen : Math.min(fen, cap);
    },
  };
}
