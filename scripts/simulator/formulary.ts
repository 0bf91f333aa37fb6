/**
 * The simulator's view of a catalogue: every entry classified once (drug, test, daily ward
 * service, consultation, …), mapped to the conditions it treats, and sorted into the pools the
 * traffic draws from. Works with any valid catalogue: what it does not recognise it simply uses less.
 */
import type { Catalogue } from '../../pipeline/catalogue/catalogue.js';
import { drugGroup, effectiveMaxPerVisit, type CatalogueEntry } from '../../pipeline/catalogue/catalogue-entry.js';
import type { ListType } from '../../pipeline/contracts/settlement.js';
import { CONDITIONS, diagMatchesPrefix, type Condition } from './conditions.js';

export type ItemCategory =
  | 'oral' | 'injection' | 'topical' | 'herbal'
  | 'consult' | 'ward_consult' | 'bed' | 'nursing' | 'test' | 'imaging' | 'procedure' | 'service' | 'material';

export interface FormularyItem {
  readonly entry: CatalogueEntry;
  readonly code: string;
  readonly listType: ListType;
  /** Stockpile and hopping identity (`group`, else the code). */
  readonly group: string;
  /** `group` as a small integer (for compact per-person history). */
  readonly groupId: number;
  readonly category: ItemCategory;
  /** Conditions (ids) it is used for. */
  readonly conditions: ReadonlySet<string>;
  /** Has a price ceiling or a group: the common items most traffic uses. */
  readonly common: boolean;
  /** Codes it may not be billed with in one visit, in either direction. */
  readonly conflicts: ReadonlySet<string>;
  /** Lines allowed per visit (services default to 1). */
  readonly maxPerVisit: number | undefined;
  /** Days one package lasts, when known (see {@link packDaysOf}). */
  readonly packDays: number | undefined;
}

/** How drugs are dispensed in a setting: which of a condition's drugs a template may use. */
export type DrugUse = 'outpatient' | 'outpatient_ampoules' | 'chronic' | 'pharmacy' | 'inpatient';

/** A drug pool and its common part. */
export interface DrugPool {
  readonly all: readonly FormularyItem[];
  readonly common: readonly FormularyItem[];
}

export interface Formulary {
  readonly catalogue: Catalogue;
  readonly items: readonly FormularyItem[];
  get(code: string): FormularyItem | undefined;
  /** The drugs of a condition a setting may use, and their common part (price ceiling or group). */
  drugPool(condition: string, use: DrugUse): DrugPool;
  /** Tests ordered for a condition. */
  testsFor(condition: string): readonly FormularyItem[];
  /** Routine tests (blood count, urinalysis, liver and kidney function). */
  readonly routineTests: readonly FormularyItem[];
  readonly outpatientConsults: readonly FormularyItem[];
  readonly wardConsults: readonly FormularyItem[];
  readonly beds: readonly FormularyItem[];
  readonly nursing: readonly FormularyItem[];
  /** 静脉输液: billed with ampoule-type injections. */
  readonly infusion: readonly FormularyItem[];
  /** Injections and infusions used on the ward (any condition). */
  readonly wardDrugs: readonly FormularyItem[];
  /** Items with a sex, age, setting or indication restriction, for occasional permitted use. */
  readonly restricted: readonly FormularyItem[];
  /** Drugs without sex, age or setting restrictions, most expensive first, common ones first (for the high-amount injector). */
  readonly priciestDrugs: readonly FormularyItem[];
  /** Imaging among the common items (CT, ultrasound), for stays. */
  readonly commonImaging: readonly FormularyItem[];
}

/**
 * Days one package lasts, when the name says (`×28片/盒` at the usual daily dose; an insulin pen
 * about 15 days; a weekly or fortnightly pen 28 or 14), else undefined.
 */
export function packDaysOf(entry: CatalogueEntry): number | undefined {
  const name = entry.name;
  if (name.includes('胰岛素')) return 15;
  if (name.includes('司美格鲁肽') || name.includes('度拉糖肽')) return 28;
  if (name.includes('单抗')) return 14;
  const m = /×(\d+)(片|粒|袋|丸|包)/.exec(name);
  if (!m) return undefined;
  const atc = atcOf(entry) ?? '';
  const perDay = /^(J01C|A10BA|A10BF)/.test(atc) ? 3 : /^(J01DC|J05AH)/.test(atc) ? 2 : 1;
  return Math.max(1, Math.floor(Number(m[1]) / perDay));
}

/** `list_type` of an entry, else inferred from the shape of its national code. */
export function inferListType(entry: CatalogueEntry): ListType {
  if (entry.list_type) return entry.list_type;
  const code = entry.med_list_codg;
  if (/^\d{15}$/.test(code)) return '201';
  if (/^[XZ]/.test(code)) return '101';
  if (/^T/.test(code)) return '102';
  if (/^C\d/.test(code)) return '301';
  return '101';
}

/** The ATC prefix of an entry: its `group` when that looks like ATC, else the ATC part of an `X…` code. */
export function atcOf(entry: CatalogueEntry): string | undefined {
  if (entry.group && /^[A-Z]\d\d/.test(entry.group)) return entry.group;
  const m = /^X([A-Z]\d\d[A-Z]{0,2})/.exec(entry.med_list_codg);
  return m?.[1];
}

const TEST_WORDS = ['测定', '检测', '分析', '试验', '检查', '培养', '鉴定', '计数', '抗体', '抗原', '心电图', '超声', '造影', 'CT', 'MR', 'X线', 'DR', '摄影', '镜'];
const IMAGING_WORDS = ['CT', 'MR', '磁共振', '超声', '造影', 'X线', 'DR', '摄影', '镜检查', '内镜', '胃镜', '肠镜'];
const PROCEDURE_WORDS = ['术', '治疗', '切除', '套扎', '穿刺', '置入', '植入', '插管', '引流', '抢救', '麻醉', '注射'];
const ROUTINE_TEST_WORDS = ['血细胞分析', '血常规', '尿常规', '尿液分析', '肝功能', '丙氨酸氨基转移酶', '肌酐测定', '尿素测定', 'C反应蛋白'];

function categorise(entry: CatalogueEntry, listType: ListType): ItemCategory {
  const name = entry.name;
  if (listType === '102') return 'herbal';
  if (listType === '301') return 'material';
  if (listType === '101') {
    if (/注射|输液|注射用/.test(name)) return 'injection';
    if (/软膏|乳膏|凝胶|滴眼|滴耳|滴鼻|喷雾|贴|栓|洗剂|搽剂|气雾/.test(name)) return 'topical';
    return 'oral';
  }
  if (name.includes('住院诊查费')) return 'ward_consult';
  if (name.includes('诊查费') && !/急诊|留观|监护|会诊/.test(name)) return 'consult';
  if (name.includes('床位费')) return 'bed';
  if (/级护理/.test(name)) return 'nursing';
  if (PROCEDURE_WORDS.some((w) => name.includes(w)) && !name.includes('术前')) return 'procedure';
  if (IMAGING_WORDS.some((w) => name.includes(w))) return 'imaging';
  if (TEST_WORDS.some((w) => name.includes(w))) return 'test';
  return 'service';
}

function conditionsOf(entry: CatalogueEntry, category: ItemCategory): Set<string> {
  const out = new Set<string>();
  const name = entry.name;
  if (entry.indications?.length) {
    for (const c of CONDITIONS) {
      if (c.diag.some((d) => entry.indications?.some((p) => diagMatchesPrefix(d.diag_code, p)))) out.add(c.id);
    }
    return out;
  }
  if (category === 'oral' || category === 'injection' || category === 'topical') {
    const atc = atcOf(entry);
    for (const c of CONDITIONS) {
      if (c.drugKeywords.some((k) => name.includes(k)) || (atc && c.atc.some((a) => atc.startsWith(a)))) out.add(c.id);
    }
  } else if (category === 'test' || category === 'imaging') {
    for (const c of CONDITIONS) if (c.testKeywords.some((k) => name.includes(k))) out.add(c.id);
  }
  return out;
}

function isRestricted(entry: CatalogueEntry): boolean {
  return entry.sex !== undefined || entry.age_min !== undefined || entry.age_max !== undefined || entry.inpatient_only === true || (entry.indications?.length ?? 0) > 0;
}

/** Pens and packaged injections (a known pack) are dispensed like tablets; ampoules and vials are not. */
const isPen = (i: FormularyItem) => i.category === 'injection' && i.packDays !== undefined;
const USES: Readonly<Record<DrugUse, (i: FormularyItem) => boolean>> = {
  outpatient: (i) => i.category !== 'injection' || isPen(i),
  outpatient_ampoules: () => true,
  chronic: (i) => i.category === 'oral' || isPen(i),
  pharmacy: (i) => i.category === 'oral' || i.category === 'topical' || isPen(i),
  inpatient: () => true,
};

export function createFormulary(catalogue: Catalogue, referencePrice: (item: FormularyItem) => number): Formulary {
  // Conflicts in both directions.
  const conflicts = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    let s = conflicts.get(a);
    if (!s) conflicts.set(a, (s = new Set()));
    s.add(b);
  };
  for (const entry of catalogue.entries()) {
    for (const other of entry.conflicts_with ?? []) {
      link(entry.med_list_codg, other);
      link(other, entry.med_list_codg);
    }
  }
  const none: ReadonlySet<string> = new Set();
  const items: FormularyItem[] = [];
  const byCode = new Map<string, FormularyItem>();
  const groupIds = new Map<string, number>();
  for (const entry of catalogue.entries()) {
    const listType = inferListType(entry);
    const group = drugGroup(entry, entry.med_list_codg);
    let groupId = groupIds.get(group);
    if (groupId === undefined) groupIds.set(group, (groupId = groupIds.size));
    const category = categorise(entry, listType);
    const item: FormularyItem = {
      entry,
      code: entry.med_list_codg,
      listType,
      group,
      groupId,
      category,
      conditions: conditionsOf(entry, category),
      common: entry.price_ceiling !== undefined || entry.group !== undefined,
      conflicts: conflicts.get(entry.med_list_codg) ?? none,
      maxPerVisit: effectiveMaxPerVisit({ ...entry, list_type: listType }),
      packDays: packDaysOf(entry),
    };
    items.push(item);
    byCode.set(item.code, item);
  }

  const drugsBy = new Map<string, FormularyItem[]>();
  const testsBy = new Map<string, FormularyItem[]>();
  const push = (map: Map<string, FormularyItem[]>, key: string, item: FormularyItem) => {
    const list = map.get(key);
    if (list) list.push(item);
    else map.set(key, [item]);
  };
  const isDrug = (i: FormularyItem) => i.category === 'oral' || i.category === 'injection' || i.category === 'topical';
  for (const item of items) {
    for (const c of item.conditions) {
      if (isDrug(item)) push(drugsBy, c, item);
      else if (item.category === 'test' || item.category === 'imaging') push(testsBy, c, item);
    }
  }
  const pools = new Map<string, DrugPool>();
  const services = (category: ItemCategory, prefer?: RegExp) => {
    const all = items.filter((i) => i.category === category && !isRestricted(i.entry));
    const preferred = prefer ? all.filter((i) => prefer.test(i.entry.name)) : all.filter((i) => i.common);
    return preferred.length ? preferred : all;
  };
  // Drugs any adult may have outside a ward (indications are supplied as diagnoses, days kept within limits).
  const unrestrictedDrugs = items.filter((i) => isDrug(i) && !i.entry.sex && i.entry.age_min === undefined && i.entry.age_max === undefined && !i.entry.inpatient_only);

  return {
    catalogue,
    items,
    get: (code) => byCode.get(code),
    drugPool(c, use) {
      const key = `${c}|${use}`;
      let pool = pools.get(key);
      if (!pool) {
        const all = (drugsBy.get(c) ?? []).filter(USES[use]);
        pools.set(key, (pool = { all, common: all.filter((i) => i.common) }));
      }
      return pool;
    },
    testsFor: (c) => testsBy.get(c) ?? [],
    routineTests: items.filter((i) => (i.category === 'test' || i.category === 'imaging') && !isRestricted(i.entry) && ROUTINE_TEST_WORDS.some((w) => i.entry.name.includes(w))),
    outpatientConsults: services('consult', /普通门诊|门诊诊查/),
    wardConsults: services('ward_consult'),
    beds: services('bed', /^普通病房床位费(\((单人间|双人间|三人间|四人及以上间)\))?$/),
    nursing: services('nursing', /^[ⅠⅡⅢ一二三]级护理$/),
    infusion: items.filter((i) => i.entry.name === '静脉输液' && !isRestricted(i.entry)),
    wardDrugs: items.filter((i) => i.category === 'injection' && i.entry.sex === undefined),
    restricted: items.filter((i) => isRestricted(i.entry) && i.category !== 'procedure' && i.category !== 'herbal' && i.category !== 'material'),
    priciestDrugs: [...unrestrictedDrugs].sort((a, b) => Number(b.common) - Number(a.common) || referencePrice(b) - referencePrice(a)).slice(0, 40),
    commonImaging: items.filter((i) => i.category === 'imaging' && i.common && !isRestricted(i.entry)),
  };
}

export function conditionById(id: string): Condition | undefined {
  return CONDITIONS.find((c) => c.id === id);
}
