/**
 * The simulated population: insured persons (sex, birth date, region, insurance type, chronic
 * conditions) and the facilities they use (public and private hospitals, clinics, retail pharmacies,
 * each in a region and with its doctors or pharmacists). Built once from the seed; identifiers are
 * deterministic. Each person also carries the small history the traffic generator consults to keep
 * background traffic clean of history-based kinds (see `history.ts`).
 */
import { DAY_MS } from '../../pipeline/time/event-time.js';
import { CONDITIONS, type Condition } from './conditions.js';
import { emptyHistory, type PersonHistory } from './history.js';
import type { Random } from './random.js';

export interface Region {
  readonly admdvs: string;
  readonly name: string;
  /** Share of persons and facilities. */
  readonly weight: number;
  /** Regional price level (a multiplier around 1). */
  readonly priceLevel: number;
}

/** A handful of real district-level 医保区划 codes. */
export const REGIONS: readonly Region[] = [
  { admdvs: '110105', name: '北京市朝阳区', weight: 3, priceLevel: 1.06 },
  { admdvs: '310115', name: '上海市浦东新区', weight: 3, priceLevel: 1.08 },
  { admdvs: '440106', name: '广州市天河区', weight: 2, priceLevel: 1.0 },
  { admdvs: '330106', name: '杭州市西湖区', weight: 2, priceLevel: 1.02 },
  { admdvs: '510107', name: '成都市武侯区', weight: 2, priceLevel: 0.94 },
];

/** The 6-digit admdvs of a region index. */
export function regionCode(region: number): string {
  const r = REGIONS[region];
  if (!r) throw new RangeError(`no region ${region}`);
  return r.admdvs;
}

export const FACILITY_KINDS = ['public_hospital', 'private_hospital', 'clinic', 'pharmacy'] as const;
export type FacilityKind = (typeof FACILITY_KINDS)[number];

const FACILITY_SHARE: Readonly<Record<FacilityKind, number>> = {
  public_hospital: 0.2,
  private_hospital: 0.15,
  clinic: 0.3,
  pharmacy: 0.35,
};

export interface Facility {
  readonly index: number;
  readonly code: string;
  readonly kind: FacilityKind;
  /** `"1"` medical institution, `"2"` retail pharmacy. */
  readonly fixmedinsType: '1' | '2';
  readonly region: number;
  /** Doctors (hospitals, clinics) or licensed pharmacists (pharmacies): 医保医师/药师代码. */
  readonly doctors: readonly string[];
  /** How much traffic it draws among facilities of its kind in its region. */
  readonly volume: number;
  /** Its price level relative to the regional price (≤ the ceiling whatever it is). */
  readonly markup: number;
  /**
   * The over-charging private hospital of `price.facility_markup` (see `pricing-cases.ts`): outside
   * {@link Population.facilitiesOf}, so background traffic never goes there.
   */
  readonly overcharging?: true;
}

export interface Person {
  readonly index: number;
  readonly psn_no: string;
  readonly gend: '1' | '2' | '9';
  readonly brdy: string;
  readonly insutype: '310' | '390';
  readonly region: number;
  /** Chronic conditions (ids in {@link CONDITIONS}). */
  readonly chronic: readonly Condition[];
  /** Usual hospital or clinic, and usual pharmacy (facility indexes). */
  readonly homeClinic: number;
  readonly homePharmacy: number;
  readonly history: PersonHistory;
}

export interface Population {
  readonly persons: readonly Person[];
  /** Persons with at least one chronic condition. */
  readonly chronicPersons: readonly Person[];
  readonly facilities: readonly Facility[];
  /** Facilities of a region and kind that background traffic uses (the over-charging one is not among them). */
  facilitiesOf(region: number, kind: FacilityKind): readonly Facility[];
  /** The over-charging private hospital (民营医院, systematic mark-up), in region 0. */
  readonly overcharging: Facility;
}

export interface PopulationOptions {
  persons: number;
  facilities: number;
  /** The first day of the simulation (ages are drawn relative to it). */
  startMs: number;
  /** Short, seed-derived tag making identifiers of different seeds distinct. */
  idTag: string;
}

/** Completed-years age bands and their shares of the insured. */
const AGE_BANDS: readonly { min: number; max: number; share: number }[] = [
  { min: 0, max: 13, share: 0.12 },
  { min: 14, max: 17, share: 0.04 },
  { min: 18, max: 44, share: 0.3 },
  { min: 45, max: 64, share: 0.3 },
  { min: 65, max: 92, share: 0.24 },
];

/** Chance of a chronic condition at an age (rising after 35). */
function chronicChance(condition: Condition, age: number): number {
  if (age < condition.ageMin) return 0;
  const rise = Math.max(0, age - 35) / 50;
  switch (condition.id) {
    case 'hypertension': return 0.08 + 0.45 * rise;
    case 'diabetes': return 0.04 + 0.2 * rise;
    case 'hyperlipidemia': return 0.05 + 0.25 * rise;
    case 'chd': return 0.01 + 0.15 * rise;
    case 'copd': return 0.01 + 0.08 * rise;
    case 'bph': return 0.05 + 0.3 * rise;
    case 'hepatitis_b': return 0.025;
    case 'rheumatoid': return 0.008;
    default: return 0;
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** 人员编号 of the person at `index` (0-based) of a population with this id tag. */
export function psnNo(idTag: string, index: number): string {
  return `${idTag}${pad(index + 1, 9)}`;
}

export function createPopulation(rng: Random, options: PopulationOptions): Population {
  const regionWeights = REGIONS.map((r) => r.weight);
  const regionTotal = regionWeights.reduce((a, b) => a + b, 0);
  const pickRegion = () => {
    let r = rng.next() * regionTotal;
    for (let i = 0; i < REGIONS.length; i++) {
      r -= regionWeights[i] as number;
      if (r < 0) return i;
    }
    return REGIONS.length - 1;
  };

  // Facilities: one of each kind in every region first, then the rest by share.
  const facilities: Facility[] = [];
  const byRegionKind = new Map<string, Facility[]>();
  const perRegionSeq = REGIONS.map(() => ({ facility: 0, doctor: 0 }));
  const facilityCount = Math.max(options.facilities, REGIONS.length * FACILITY_KINDS.length);
  for (let i = 0; i < facilityCount; i++) {
    const seeded = i < REGIONS.length * FACILITY_KINDS.length;
    const region = seeded ? i % REGIONS.length : pickRegion();
    const kind: FacilityKind = seeded
      ? (FACILITY_KINDS[Math.floor(i / REGIONS.length)] as FacilityKind)
      : rng.weighted(FACILITY_KINDS, (k) => FACILITY_SHARE[k]);
    const admdvs = (REGIONS[region] as Region).admdvs;
    const seq = perRegionSeq[region] as { facility: number; doctor: number };
    seq.facility += 1;
    const code = `${kind === 'pharmacy' ? 'P' : 'H'}${admdvs}${pad(seq.facility, 5)}`;
    const doctorCount =
      kind === 'public_hospital' ? rng.intBetween(20, 60) : kind === 'private_hospital' ? rng.intBetween(5, 15) : rng.intBetween(1, 3);
    const doctors: string[] = [];
    for (let k = 0; k < doctorCount; k++) {
      seq.doctor += 1;
      doctors.push(`D${admdvs}${pad(seq.doctor, 5)}`);
    }
    const volume =
      kind === 'public_hospital' ? rng.between(3, 8) : kind === 'private_hospital' ? rng.between(1, 3) : rng.between(0.5, 1.5);
    // A narrow band around the regional price (see prices.ts PRICE_BAND): background never looks
    // like a price outlier or a systematic mark-up.
    const markup =
      kind === 'private_hospital' ? rng.between(1.0, 1.1) : kind === 'pharmacy' ? rng.between(0.92, 1.04) : rng.between(0.96, 1.04);
    const facility: Facility = {
      index: facilities.length,
      code,
      kind,
      fixmedinsType: kind === 'pharmacy' ? '2' : '1',
      region,
      doctors,
      volume,
      markup,
    };
    facilities.push(facility);
    const key = `${region}/${kind}`;
    const list = byRegionKind.get(key);
    if (list) list.push(facility);
    else byRegionKind.set(key, [facility]);
  }
  const facilitiesOf = (region: number, kind: FacilityKind): readonly Facility[] => byRegionKind.get(`${region}/${kind}`) ?? [];
  // The over-charging private hospital: one more facility, in region 0, that background never uses.
  {
    const admdvs = (REGIONS[0] as Region).admdvs;
    const seq = perRegionSeq[0] as { facility: number; doctor: number };
    seq.facility += 1;
    const doctors: string[] = [];
    for (let k = 0; k < 8; k++) {
      seq.doctor += 1;
      doctors.push(`D${admdvs}${pad(seq.doctor, 5)}`);
    }
    facilities.push({ index: facilities.length, code: `H${admdvs}${pad(seq.facility, 5)}`, kind: 'private_hospital', fixmedinsType: '1', region: 0, doctors, volume: 1, markup: 1, overcharging: true });
  }
  const overcharging = facilities[facilities.length - 1] as Facility;

  const persons: Person[] = [];
  const chronicPersons: Person[] = [];
  for (let i = 0; i < options.persons; i++) {
    const band = rng.weighted(AGE_BANDS, (b) => b.share);
    const age = rng.intBetween(band.min, band.max);
    // Birth date: `age` completed years at the start, on a real calendar day.
    const birthMs = options.startMs - age * 365.2425 * DAY_MS - rng.between(1, 364) * DAY_MS;
    const brdy = new Date(birthMs).toISOString().slice(0, 10);
    const sexRoll = rng.next();
    const gend: Person['gend'] = sexRoll < 0.003 ? '9' : sexRoll < 0.5015 ? '1' : '2';
    const region = pickRegion();
    const working = age >= 18 && age < 60;
    const insutype: Person['insutype'] = rng.chance(working ? 0.7 : age >= 60 ? 0.45 : 0.05) ? '310' : '390';
    const chronic = CONDITIONS.filter(
      (c) => c.chronic && (!c.sex || c.sex === gend) && rng.chance(chronicChance(c, age)),
    );
    const clinicKind: FacilityKind = rng.weighted(['public_hospital', 'private_hospital', 'clinic'] as const, (k) =>
      k === 'public_hospital' ? 5 : k === 'private_hospital' ? 1.5 : 3,
    );
    const homeClinic = rng.pick(facilitiesOf(region, clinicKind)).index;
    const homePharmacy = rng.pick(facilitiesOf(region, 'pharmacy')).index;
    const person: Person = {
      index: i,
      psn_no: psnNo(options.idTag, i),
      gend,
      brdy,
      insutype,
      region,
      chronic,
      homeClinic,
      homePharmacy,
      history: emptyHistory(),
    };
    persons.push(person);
    if (chronic.length) chronicPersons.push(person);
  }
  return { persons, chronicPersons, facilities, facilitiesOf, overcharging };
}
