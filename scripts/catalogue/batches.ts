/**
 * The national rule batches (两库 规则库, `lk_batches/*.csv`) → per-code contributions to the
 * catalogue. One function per batch file; the mapping is documented, with its interpretation
 * choices, in `pipeline/catalogue/README.md` — keep the two in step. Reads files, never logs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CatalogueEntry } from '../../pipeline/catalogue/catalogue-entry.js';
import { InputError } from '../../pipeline/errors.js';
import { parseCsvRecords, type CsvRecord } from './csv.js';

/**
 * Where an entry's restrictions come from: the id written into `source`, and what it is.
 * The order is the merge precedence: an earlier source's value wins where one must (see build.ts).
 */
export const SOURCES = {
  'common-items': 'scripts/catalogue/common-items.ts (curated prices, groups, indications)',
  'nhsa-b1-drug-sex': 'b1_drug_sex_rules.csv + b1_drug_sex_codes.csv (第一批 药品 限定性别对象)',
  'nhsa-b1-drug-age': 'b1_drug_age_rules.csv + b1_drug_age_codes.csv (第一批 药品 限定年龄对象)',
  'nhsa-b1-service-sex': 'b1_service_sex.csv (第一批 项目 限定性别对象)',
  'nhsa-b1-service-age': 'b1_service_age.csv (第一批 项目 限定年龄对象)',
  'nhsa-b4-care-setting': 'b4_drug_care_setting_rules.csv + _codes.csv (第四批 限定就医方式)',
  'nhsa-b6-max-course': 'b6_drug_max_course_rules.csv + _codes.csv (第六批 限定支付疗程)',
  'nhsa-b7-duplicate-charge': 'b7_service_duplicate_charge.csv (第七批 重复收费)',
  'nhsa-b8-1-frequency': 'b8_1_service_frequency.csv (第八批-1 限定频次)',
  'nhsa-b8-3-course': 'b8_3_service_course.csv (第八批-3 限定疗程)',
  'nhsa-b8-4-period': 'b8_4_service_period.csv (第八批-4 限定周期)',
} as const;
export type SourceId = keyof typeof SOURCES;

/** 限定性别 / 限定对象 → catalogue `sex`. */
export const SEX_CODES: Readonly<Record<string, '1' | '2'>> = { 男: '1', 女: '2' };

/**
 * 限定对象 → allowed ages in completed years, inclusive. 儿童: under 18 (the national drug
 * list's 凡例); 婴幼儿: under 3; 新生儿 (first 28 days): 0, the finest whole-year bound.
 */
export const AGE_GROUPS: Readonly<Record<string, { age_min: number; age_max: number }>> = {
  新生儿: { age_min: 0, age_max: 0 },
  婴幼儿: { age_min: 0, age_max: 2 },
  儿童: { age_min: 0, age_max: 17 },
};

/** 频度 values of the duplicate-charge batch; all are approximated by one visit. */
export const DUPLICATE_CHARGE_WINDOWS: readonly string[] = ['单日', '单次就诊', '6小时', '同一小时'];

/** A source row that produced nothing. */
export interface SkippedRow {
  source: SourceId;
  file: string;
  /** 1-based line of the row in the file. */
  line: number;
  reason: string;
}

/** A data row by column name (values trimmed), and its line. */
interface Row {
  line: number;
  get(column: string): string;
}

function readTable(rulesDir: string, file: string, columns: readonly string[]): Row[] {
  const full = path.join(rulesDir, file);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (cause) {
    throw new InputError('YB_INPUT_UNREADABLE', `无法读取规则文件 / cannot read rule batch ${full}: ${(cause as Error).message}`, { cause });
  }
  let records: CsvRecord[];
  try {
    records = parseCsvRecords(text);
  } catch (cause) {
    throw new InputError('YB_INPUT_UNREADABLE', `规则文件格式错误 / ${full}: ${(cause as Error).message}`, { cause });
  }
  const [header, ...data] = records;
  const index = new Map((header?.fields ?? []).map((name, i) => [name.trim(), i]));
  const missing = columns.filter((c) => !index.has(c));
  if (missing.length) {
    throw new InputError('YB_INPUT_UNREADABLE', `规则文件缺少列 / ${full} lacks column(s) ${missing.join(', ')}`);
  }
  return data
    .filter((r) => r.fields.some((f) => f.trim() !== ''))
    .map((r) => ({ line: r.line, get: (column: string) => (r.fields[index.get(column) ?? -1] ?? '').trim() }));
}

/** What one source says about one code. */
export interface Contribution {
  source: SourceId;
  entry: CatalogueEntry;
}

/** National drug codes: 23-character Western medicine `X…`, 20-character Chinese patent `Z…`. */
const DRUG_CODE = /^(X[A-Z0-9]{22}|Z[A-Z0-9]{19})$/;
/** 医疗服务项目分类与代码: 15 digits. */
const SERVICE_CODE = /^\d{15}$/;

class Collector {
  readonly contributions: Contribution[] = [];
  readonly skipped: SkippedRow[] = [];
  constructor(private readonly rulesDir: string) {}

  table(file: string, columns: readonly string[]): Row[] {
    return readTable(this.rulesDir, file, columns);
  }
  add(source: SourceId, entry: CatalogueEntry): void {
    this.contributions.push({ source, entry });
  }
  skip(source: SourceId, file: string, line: number, reason: string): void {
    this.skipped.push({ source, file, line, reason });
  }
  /** A service code checked for shape; records the row as skipped when it is not one. */
  serviceCode(source: SourceId, file: string, row: Row, column: string): string | undefined {
    const code = row.get(column);
    if (SERVICE_CODE.test(code)) return code;
    this.skip(source, file, row.line, code === '' ? 'no code (not a rule row)' : `not a 15-digit service code: ${code}`);
    return undefined;
  }
}

/**
 * The drug batches come as a rules sheet (one row per 药品通用名 with the restriction) and a
 * codes sheet (every national code of that name). Joins them by name.
 */
function drugBatch(
  c: Collector,
  source: SourceId,
  prefix: string,
  codeColumn: string,
  valueColumn: string,
  map: (value: string, rule: Row) => Partial<CatalogueEntry> | string,
): void {
  const rulesFile = `${prefix}_rules.csv`;
  const codesFile = `${prefix}_codes.csv`;
  const rules = new Map<string, Row>();
  for (const row of c.table(rulesFile, ['药品通用名', '药品说明', valueColumn])) {
    const name = row.get('药品通用名');
    if (rules.has(name)) c.skip(source, rulesFile, row.line, `second rule for ${name}; the first is used`);
    else rules.set(name, row);
  }
  for (const row of c.table(codesFile, ['药品通用名', codeColumn])) {
    const name = row.get('药品通用名');
    const code = row.get(codeColumn);
    const rule = rules.get(name);
    if (!DRUG_CODE.test(code)) {
      c.skip(source, codesFile, row.line, `not a national drug code: ${code || '(empty)'}`);
      continue;
    }
    if (!rule) {
      c.skip(source, codesFile, row.line, `no rule row for ${name}`);
      continue;
    }
    const mapped = map(rule.get(valueColumn), rule);
    if (typeof mapped === 'string') {
      c.skip(source, codesFile, row.line, mapped);
      continue;
    }
    c.add(source, { med_list_codg: code, name, list_type: '101', ...mapped });
  }
}

function collectBatches(c: Collector): void {
  drugBatch(c, 'nhsa-b1-drug-sex', 'b1_drug_sex', '药品代码', '限定对象', (v) => {
    const sex = SEX_CODES[v];
    return sex ? { sex } : `unknown 限定对象 ${v}`;
  });
  drugBatch(c, 'nhsa-b1-drug-age', 'b1_drug_age', '国标代码', '限定对象', (v) => AGE_GROUPS[v] ?? `unknown 限定对象 ${v}`);
  drugBatch(c, 'nhsa-b4-care-setting', 'b4_drug_care_setting', '国标代码', '限定值域', (v, rule) => {
    if (v !== '住院') return `unknown 限定值域 ${v}`;
    // 「限急诊或住院患者」: also paid at emergency visits, which inpatient_only cannot express.
    if (rule.get('药品说明').includes('急诊')) return '限急诊或住院: emergency visits are also paid; inpatient_only would misfire';
    return { inpatient_only: true };
  });
  drugBatch(c, 'nhsa-b6-max-course', 'b6_drug_max_course', '国标代码', '限定值域', (v) => {
    const days = /^(\d+)\s*天$/.exec(v)?.[1];
    return days && Number(days) >= 1 ? { max_days: Number(days) } : `unparsed 限定值域 ${v}`;
  });

  // 第一批 services: sex and age.
  {
    const source = 'nhsa-b1-service-sex';
    const file = 'b1_service_sex.csv';
    for (const row of c.table(file, ['项目名称', '国标代码', '限定性别'])) {
      const code = c.serviceCode(source, file, row, '国标代码');
      if (!code) continue;
      const sex = SEX_CODES[row.get('限定性别')];
      if (!sex) c.skip(source, file, row.line, `unknown 限定性别 ${row.get('限定性别')}`);
      else c.add(source, { med_list_codg: code, name: row.get('项目名称'), list_type: '201', sex });
    }
  }
  {
    const source = 'nhsa-b1-service-age';
    const file = 'b1_service_age.csv';
    for (const row of c.table(file, ['项目名称', '国标代码', '限定对象'])) {
      const code = c.serviceCode(source, file, row, '国标代码');
      if (!code) continue;
      const ages = AGE_GROUPS[row.get('限定对象')];
      if (!ages) c.skip(source, file, row.line, `unknown 限定对象 ${row.get('限定对象')}`);
      else c.add(source, { med_list_codg: code, name: row.get('项目名称'), list_type: '201', ...ages });
    }
  }

  // 第七批: the main item includes the sub item; both get an entry, the main lists the sub.
  {
    const source = 'nhsa-b7-duplicate-charge';
    const file = 'b7_service_duplicate_charge.csv';
    for (const row of c.table(file, ['频度', '主项名称', '主项编码', '从项名称', '从项编码'])) {
      const main = c.serviceCode(source, file, row, '主项编码');
      const sub = main && c.serviceCode(source, file, row, '从项编码');
      if (!main || !sub) continue;
      const window = row.get('频度');
      if (!DUPLICATE_CHARGE_WINDOWS.includes(window)) c.skip(source, file, row.line, `unknown 频度 ${window}`);
      else if (main === sub) c.skip(source, file, row.line, `main and sub item are the same code ${main}`);
      else {
        c.add(source, { med_list_codg: main, name: row.get('主项名称'), list_type: '201', conflicts_with: [sub] });
        c.add(source, { med_list_codg: sub, name: row.get('从项名称'), list_type: '201' });
      }
    }
  }

  // 第八批-1: most quantity per day; only per-day units map onto max_per_day.
  {
    const source = 'nhsa-b8-1-frequency';
    const file = 'b8_1_service_frequency.csv';
    for (const row of c.table(file, ['项目名称', '限制数量', '数量单位', '项目编码'])) {
      const code = c.serviceCode(source, file, row, '项目编码');
      if (!code) continue;
      const unit = row.get('数量单位');
      const limit = Number(row.get('限制数量'));
      if (unit !== '日' && unit !== '天') c.skip(source, file, row.line, `unit ${unit || '(none)'} is not per day`);
      else if (!(limit > 0)) c.skip(source, file, row.line, `unparsed 限制数量 ${row.get('限制数量')}`);
      else c.add(source, { med_list_codg: code, name: row.get('项目名称'), list_type: '201', max_per_day: limit });
    }
  }

  // 第八批-3: only the 「评定间隔时间不短于 N 天」 texts have a catalogue field.
  {
    const source = 'nhsa-b8-3-course';
    const file = 'b8_3_service_course.csv';
    for (const row of c.table(file, ['项目名称', '备注', '项目代码'])) {
      const code = c.serviceCode(source, file, row, '项目代码');
      if (!code) continue;
      const days = /间隔时间不短于\s*(\d+)\s*天/.exec(row.get('备注'))?.[1];
      if (!days) c.skip(source, file, row.line, `no catalogue field for 「${row.get('备注')}」`);
      else c.add(source, { med_list_codg: code, name: row.get('项目名称'), list_type: '201', min_interval_days: Number(days) });
    }
  }

  // 第八批-4: at most once per N days → min_interval_days N.
  {
    const source = 'nhsa-b8-4-period';
    const file = 'b8_4_service_period.csv';
    for (const row of c.table(file, ['项目名称', '频次上限', '疗程周期', '项目代码'])) {
      const code = c.serviceCode(source, file, row, '项目代码');
      if (!code) continue;
      const times = row.get('频次上限');
      const period = row.get('疗程周期');
      if (times !== '1') c.skip(source, file, row.line, `频次上限 ${times} per period: min_interval_days only expresses once per N days`);
      else if (!/^\d+$/.test(period) || Number(period) < 1) c.skip(source, file, row.line, `unparsed 疗程周期 ${period}`);
      else c.add(source, { med_list_codg: code, name: row.get('项目名称'), list_type: '201', min_interval_days: Number(period) });
    }
  }
}

/** Every contribution of the batches in `rulesDir`, and the rows that produced none. */
export function readBatches(rulesDir: string): { contributions: Contribution[]; skipped: SkippedRow[] } {
  if (!existsSync(rulesDir)) {
    throw new InputError(
      'YB_INPUT_UNREADABLE',
      `规则目录不存在 / rules directory not found: ${rulesDir} (expected the NHSA batch CSVs, see ../shared/data/nhsa-rules/PROVENANCE.md)`,
    );
  }
  const c = new Collector(rulesDir);
  collectBatches(c);
  return { contributions: c.contributions, skipped: c.skipped };
}
