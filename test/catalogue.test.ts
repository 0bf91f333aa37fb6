/**
 * The catalogue: the committed default is a current build of the national rule batches, it
 * carries their restrictions for real codes, the builder merges and reports as documented in
 * `pipeline/catalogue/README.md`, and the loader refuses an invalid catalogue with every problem.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogue, DEFAULT_CATALOGUE_PATH, loadCatalogue, type Catalogue } from '../pipeline/catalogue/catalogue.js';
import type { CatalogueEntry } from '../pipeline/catalogue/catalogue-entry.js';
import { ConfigError, InputError } from '../pipeline/errors.js';
import { buildCatalogue, buildCatalogueReport, firstDifferingLine, serializeCatalogue, type BuildReport } from '../scripts/catalogue/build.js';
import { parseCsv, parseCsvRecords } from '../scripts/catalogue/csv.js';
import { COMMON_ITEMS } from '../scripts/catalogue/common-items.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RULES_DIR = path.resolve(repoRoot, '..', 'shared', 'data', 'nhsa-rules', 'lk_batches');
const CLI = path.join(repoRoot, 'scripts', 'build-catalogue.ts');
const README = path.join(repoRoot, 'pipeline', 'catalogue', 'README.md');

let sharedBuild: BuildReport | undefined;
/** A build of the shared rule batches (once per file); fails clearly when they are missing. */
function buildShared(): BuildReport {
  if (!existsSync(RULES_DIR)) {
    throw new Error(`the shared NHSA rule batches are missing (${RULES_DIR}): cannot check that default-catalogue.json is current`);
  }
  sharedBuild ??= buildCatalogueReport(RULES_DIR);
  return sharedBuild;
}

describe('default catalogue', () => {
  let catalogue: Catalogue;
  beforeAll(() => {
    catalogue = loadCatalogue();
  });
  const get = (code: string): CatalogueEntry => {
    const entry = catalogue.get(code);
    if (!entry) throw new Error(`default catalogue has no entry for ${code}`);
    return entry;
  };

  it('is a current build of the shared rule batches, byte for byte', () => {
    const built = serializeCatalogue(buildShared().entries);
    const committed = readFileSync(DEFAULT_CATALOGUE_PATH, 'utf8');
    const line = firstDifferingLine(committed, built);
    expect(line, `default-catalogue.json is stale (first difference at line ${String(line)}): run npm run build:catalogue`).toBeUndefined();
  });

  it('is written one entry per line, sorted by code', () => {
    const lines = readFileSync(DEFAULT_CATALOGUE_PATH, 'utf8').split('\n');
    expect(lines[0]).toBe('[');
    expect(lines.at(-2)).toBe(']');
    expect(lines.at(-1)).toBe('');
    const codes = lines.slice(1, -2).map((l) => (JSON.parse(l.replace(/,$/, '')) as CatalogueEntry).med_list_codg);
    expect(codes.length).toBe(catalogue.size);
    expect(codes).toEqual([...codes].sort());
  });

  it('gives every entry a list type and its sources', () => {
    for (const entry of catalogue.entries()) {
      expect(entry.source?.length, entry.med_list_codg).toBeGreaterThan(0);
      expect(entry.list_type, entry.med_list_codg).toBe(/^[XZ]/.test(entry.med_list_codg) ? '101' : '201');
    }
  });

  it('has the sex restrictions of 第一批 (drugs and services)', () => {
    expect(get('XG03DBD084A001010102180')).toMatchObject({ name: '地屈孕酮片', sex: '2', list_type: '101', source: ['nhsa-b1-drug-sex'] });
    expect(get('XL02BBA326A001010102180')).toMatchObject({ name: '阿帕他胺片', sex: '1' });
    expect(get('002101030280000')).toMatchObject({ name: '阴茎海绵体造影', sex: '1', list_type: '201' });
    expect(get('002101030300000')).toMatchObject({ name: '子宫造影', sex: '2' });
  });

  it('has the age restrictions of 第一批: 儿童 0–17, 婴幼儿 0–2, 新生儿 0', () => {
    expect(get('ZA04CAE0023010100166')).toMatchObject({ name: '儿童清肺口服液', age_min: 0, age_max: 17 });
    expect(get('XN02BEX085N001010100269')).toMatchObject({ name: '小儿氨酚黄那敏颗粒', age_max: 17 });
    expect(get('003105120040000')).toMatchObject({ name: '儿童前牙树脂冠修复', age_max: 17 });
    expect(get('001301000010000')).toMatchObject({ name: '婴幼儿健康体检', age_min: 0, age_max: 2 });
    expect(get('003112020020000')).toMatchObject({ name: '新生儿测颅压', age_min: 0, age_max: 0 });
  });

  it('marks 第四批 drugs inpatient-only, except 安宫牛黄丸 (限急诊或住院)', () => {
    expect(get('XB05BAU012B002010102180').inpatient_only).toBe(true);
    expect(catalogue.get('ZA07AAA0061010100166')).toBeUndefined();
  });

  it('has the 第六批 course limits, merged with 第四批 where a drug is in both', () => {
    expect(get('XB01AXA223B004010180963')).toMatchObject({ name: '奥扎格雷氨丁三醇注射用浓溶液', max_days: 14 });
    expect(get('XC01EBC109B001010102049').max_days).toBe(3);
    expect(get('XN07XXD130E002010102774').max_days).toBe(20);
    expect(get('XC02CXY165B002010102918')).toMatchObject({
      name: '银杏达莫注射液',
      inpatient_only: true,
      max_days: 14,
      source: ['nhsa-b4-care-setting', 'nhsa-b6-max-course'],
    });
  });

  it('lists 第七批 sub items in the main item’s conflicts_with, and knows both', () => {
    expect(get('001103000010000').conflicts_with).toContain('001102000030000');
    expect(get('001102000030000')).toMatchObject({ name: '急诊诊查费', list_type: '201' });
    expect(get('001102000030000').source).toContain('nhsa-b7-duplicate-charge');
  });

  it('has the per-day limits of 第八批-1, and none for hourly units', () => {
    expect(get('001102000050000')).toMatchObject({ name: '住院诊查费', max_per_day: 1 });
    expect(get('003301000100000')).toMatchObject({ name: '硬膜外连续镇痛', max_per_day: 1 });
    expect(catalogue.get('003101000050000')?.max_per_day).toBeUndefined();
  });

  it('has the least intervals of 第八批-3 and 第八批-4', () => {
    expect(get('002503020030000')).toMatchObject({ name: '糖化血红蛋白测定', min_interval_days: 15 });
    expect(get('002503020020000').min_interval_days).toBe(7);
    expect(get('003402000050000')).toMatchObject({ min_interval_days: 14, source: ['nhsa-b8-3-course', 'nhsa-b8-4-period'] });
    expect(get('003402000350000')).toMatchObject({ name: '儿童听力障碍语言训练', age_max: 17, min_interval_days: 7 });
  });

  it('merges the common items, prices included, into batch entries of the same code', () => {
    expect(get('XC10AAA901A001010100000')).toMatchObject({ group: 'C10AA05', price_ceiling: 3.5, max_days: 30, max_days_chronic: 84 });
    expect(get('002503020030000')).toMatchObject({ price_ceiling: 60, min_interval_days: 15, source: ['common-items', 'nhsa-b8-4-period'] });
    expect(get('XA10BJS913B002010100000')).toMatchObject({ reflow_risk: true, indications: ['E11'] });
  });

  it('returns undefined for an unknown code', () => {
    expect(catalogue.get('X0000000000000000000000')).toBeUndefined();
    expect(catalogue.get('')).toBeUndefined();
  });
});

describe('pipeline/catalogue/README.md', () => {
  const readme = readFileSync(README, 'utf8');

  it('states the counts of the current build', () => {
    const report = buildShared();
    const stated = Object.fromEntries([...readme.matchAll(/^\| `([a-z0-9-]+)` \|.*\| ([\d,]+) \|$/gm)].map((m) => [m[1], Number(m[2]?.replace(/,/g, ''))]));
    expect(stated).toEqual(report.codesBySource);
    expect(readme).toContain(`(${report.entries.length.toLocaleString('en-US')} entries)`);
    expect(readme).toContain(`reports ${report.conflicts.length} disagreements`);
  });

  it('lists every common item with its code status', () => {
    for (const item of COMMON_ITEMS) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${item.med_list_codg}\` |`));
      expect(row, item.med_list_codg).toBeDefined();
      expect(row, item.med_list_codg).toMatch(item.list_type === '101' ? /\| placeholder \|$/ : /\| (found: |\*\*unverified)/);
      expect(row, item.med_list_codg).toContain(`| ${String(item.price_ceiling)} |`);
    }
  });
});

describe('common items', () => {
  it('are about 25–40 distinct codes', () => {
    expect(COMMON_ITEMS.length).toBeGreaterThanOrEqual(25);
    expect(COMMON_ITEMS.length).toBeLessThanOrEqual(40);
    expect(new Set(COMMON_ITEMS.map((i) => i.med_list_codg)).size).toBe(COMMON_ITEMS.length);
  });

  it('give drugs a national-format code whose ATC part matches their group', () => {
    for (const item of COMMON_ITEMS.filter((i) => i.list_type === '101')) {
      expect(item.med_list_codg, item.name).toMatch(/^X[A-Z]\d{2}[A-Z]{2}[A-Z]\d{3}[A-Z]\d{3}\d{4}\d{5}$/);
      expect(item.group, item.name).toMatch(/^[A-Z]\d{2}[A-Z]{2}\d{2}$/);
      expect(item.med_list_codg.slice(1, 6), item.name).toBe(item.group?.slice(0, 5));
      expect(item.price_ceiling, item.name).toBeGreaterThan(0);
    }
  });
});

describe('parseCsv', () => {
  it('handles quoted commas, quotes, line breaks, CRLF and a BOM', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\nlines"\r\nplain,"",last\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\nlines'],
      ['plain', '', 'last'],
    ]);
    expect(parseCsvRecords(text).map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('keeps a last line without a line break and a quote inside an unquoted field', () => {
    expect(parseCsv('a,5"x\nb,""')).toEqual([
      ['a', '5"x'],
      ['b', ''],
    ]);
  });

  it('refuses an unterminated quoted field and text after a closing quote', () => {
    expect(() => parseCsv('a,"open\nnever closed')).toThrow(/line 1 is never closed/);
    expect(() => parseCsv('"a"b,c')).toThrow(/after a closing quote on line 1/);
  });
});

/** A minimal batch directory: every file the builder reads, with the given data rows. */
function writeBatches(dir: string, rows: Partial<Record<string, string[]>>): void {
  const headers: Record<string, string> = {
    'b1_drug_sex_rules.csv': '药品通用名,药品说明,限定类型,限定对象',
    'b1_drug_sex_codes.csv': '药品通用名,序号,药品代码,限定类型',
    'b1_drug_age_rules.csv': '药品通用名,药品说明,限定类型,限定对象',
    'b1_drug_age_codes.csv': '药品通用名,序号,国标代码,限定类型',
    'b1_service_sex.csv': '项目名称,项目说明,国标代码,限定类型,限定性别',
    'b1_service_age.csv': '项目名称,国标代码,限定类型,限定对象',
    'b4_drug_care_setting_rules.csv': '药品通用名,药品说明,限定类型,限定值域',
    'b4_drug_care_setting_codes.csv': '药品通用名,序号,国标代码,限定类型',
    'b6_drug_max_course_rules.csv': '药品通用名,药品说明,限定类型,限定值域',
    'b6_drug_max_course_codes.csv': '药品通用名,序号,国标代码,限定类型',
    'b7_service_duplicate_charge.csv': '序号,频度,主项名称,主项编码,从项名称,从项编码,备注',
    'b8_1_service_frequency.csv': '序号,项目名称,限制数量,数量单位,项目编码',
    'b8_3_service_course.csv': '序号,项目名称,备注,项目代码',
    'b8_4_service_period.csv': '序号,项目名称,频次上限,疗程周期,备注,项目代码',
  };
  for (const [file, header] of Object.entries(headers)) {
    writeFileSync(path.join(dir, file), [header, ...(rows[file] ?? [])].join('\n') + '\n');
  }
}

describe('buildCatalogueReport on a small batch directory', () => {
  const DRUG = 'XG03DBD999A001010100000';
  const MAIN = '002506010010000';
  const SUB = '002501030010000';
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'catalogue-batches-'));
    writeBatches(dir, {
      // The same code under a women-only and a men-only name: a conflict inside one source.
      'b1_drug_sex_rules.csv': ['甲药片,,限定性别对象,女', '乙药片,,限定性别对象,男'],
      'b1_drug_sex_codes.csv': [`甲药片,1,${DRUG},限定性别对象`, `乙药片,1,${DRUG},限定性别对象`],
      'b6_drug_max_course_rules.csv': ['甲药片,支付不超过14天。,限定支付疗程,14天'],
      'b6_drug_max_course_codes.csv': [`甲药片,1,${DRUG},限定支付疗程`],
      'b4_drug_care_setting_rules.csv': ['丙丸,限急诊或住院患者。,限定就医方式,住院'],
      'b4_drug_care_setting_codes.csv': ['丙丸,1,ZA07AAA0999010100000,限定就医方式'],
      'b7_service_duplicate_charge.csv': [`1,单日,"主项,含""镜检""",${MAIN},粪便常规,${SUB},含`],
      'b8_1_service_frequency.csv': [`1,主项,24,小时,${MAIN}`, '合计,,,,'],
      'b8_3_service_course.csv': [`1,粪便常规,评定间隔时间不短于14天。,${SUB}`],
      'b8_4_service_period.csv': [`1,粪便常规,1,7,,${SUB}`, `2,主项,2,7,,${MAIN}`],
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('merges by the documented rules and reports every disagreement', () => {
    const report = buildCatalogueReport(dir, { commonItems: [{ med_list_codg: DRUG, name: '甲药片 10mg×20片/盒', list_type: '101', max_days: 30, price_ceiling: 9 }] });
    const byCode = new Map(report.entries.map((e) => [e.med_list_codg, e]));
    expect(byCode.get(DRUG)).toEqual({
      med_list_codg: DRUG,
      name: '甲药片 10mg×20片/盒',
      list_type: '101',
      sex: '2',
      max_days: 14,
      price_ceiling: 9,
      source: ['common-items', 'nhsa-b1-drug-sex', 'nhsa-b6-max-course'],
    });
    expect(byCode.get(MAIN)).toMatchObject({ name: '主项,含"镜检"', conflicts_with: [SUB] });
    expect(byCode.get(SUB)).toMatchObject({ min_interval_days: 14, source: ['nhsa-b7-duplicate-charge', 'nhsa-b8-3-course', 'nhsa-b8-4-period'] });
    expect(report.conflicts).toEqual([
      { code: SUB, field: 'min_interval_days', values: [{ source: 'nhsa-b8-3-course', value: 14 }, { source: 'nhsa-b8-4-period', value: 7 }], kept: 14 },
      {
        code: DRUG,
        field: 'sex',
        values: [{ source: 'nhsa-b1-drug-sex', value: '2' }, { source: 'nhsa-b1-drug-sex', value: '1' }],
        kept: '2',
      },
      { code: DRUG, field: 'max_days', values: [{ source: 'common-items', value: 30 }, { source: 'nhsa-b6-max-course', value: 14 }], kept: 14 },
    ]);
    expect(report.skipped.map((s) => `${s.file}:${s.line}`)).toEqual([
      'b4_drug_care_setting_codes.csv:2',
      'b8_1_service_frequency.csv:2',
      'b8_1_service_frequency.csv:3',
      'b8_4_service_period.csv:3',
    ]);
    expect(report.codesBySource['nhsa-b7-duplicate-charge']).toBe(2);
  });

  it('refuses a missing rules directory with a clear message', () => {
    expect(() => buildCatalogue(path.join(dir, 'nope'))).toThrow(InputError);
    expect(() => buildCatalogue(path.join(dir, 'nope'))).toThrow(/rules directory not found/);
  });

  it('the CLI writes, then --check passes, and fails once the file is stale', () => {
    const out = path.join(dir, 'out', 'catalogue.json');
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, '--rules-dir', dir, '--out', out, ...args], { cwd: repoRoot, encoding: 'utf8' });
    const built = run();
    expect(built.status, built.stderr).toBe(0);
    expect(built.stderr).toContain('3 disagreement(s)');
    expect(run('--check').status).toBe(0);
    writeFileSync(out, readFileSync(out, 'utf8').replace('"sex":"2"', '"sex":"1"'));
    const stale = run('--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/catalogue is stale: .* \(first difference at line \d+\)/);
  });
});

describe('serializeCatalogue', () => {
  it('sorts entries and orders keys whatever the input order', () => {
    const text = serializeCatalogue([
      { source: ['x'], name: 'b', med_list_codg: '2', max_days: 3 },
      { name: 'a', med_list_codg: '1' },
    ]);
    expect(text).toBe('[\n{"med_list_codg":"1","name":"a"},\n{"med_list_codg":"2","name":"b","max_days":3,"source":["x"]}\n]\n');
    expect(serializeCatalogue([])).toBe('[]\n');
  });
});

describe('createCatalogue', () => {
  const problemsOf = (data: unknown): readonly string[] => {
    try {
      createCatalogue(data);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error('createCatalogue accepted an invalid catalogue');
  };

  it('refuses bad shapes, listing every one at once', () => {
    const problems = problemsOf([
      { med_list_codg: 'A1', name: 'bad type', max_days: '7' },
      { med_list_codg: 'B1', name: 'unknown field', colour: 'red' },
      { med_list_codg: 'C1', name: 'bad enum', sex: 'M' },
      { name: 'no code' },
    ]);
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/0\/max_days: must be integer/),
        expect.stringMatching(/^\/1: .*additional properties \(colour\)/),
        expect.stringMatching(/^\/2\/sex: /),
        expect.stringMatching(/^\/3: .*med_list_codg/),
      ]),
    );
  });

  it('refuses inconsistent entries, listing every one at once', () => {
    const problems = problemsOf([
      { med_list_codg: 'C1', name: 'ages', age_min: 10, age_max: 5 },
      { med_list_codg: 'C1', name: 'duplicate' },
      { med_list_codg: 'D1', name: 'self conflict', conflicts_with: ['D1'] },
    ]);
    expect(problems).toEqual([
      '/0: age_min 10 > age_max 5 (C1)',
      '/1: duplicate med_list_codg C1 (first at /0)',
      "/2: conflicts_with lists the entry's own code D1",
    ]);
  });

  it('refuses shape and consistency problems together, listing all of them', () => {
    const problems = problemsOf([
      { med_list_codg: 'A1', name: 'bad type', max_days: '7' },
      { med_list_codg: 'B1', name: 'unknown field', colour: 'red' },
      { med_list_codg: 'C1', name: 'ages', age_min: 10, age_max: 5 },
      { med_list_codg: 'C1', name: 'duplicate' },
    ]);
    expect(problems).toHaveLength(4);
  });
});
