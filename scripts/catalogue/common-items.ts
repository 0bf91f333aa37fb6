/**
 * Curated common drugs, services and tests for the default catalogue: what realistic simulated
 * pharmacy and hospital traffic bills, with price ceilings, ATC groups, course limits and the
 * indications the national list restricts payment to. Merged into the batch build by
 * `build.ts` (a code that is also in a batch gets one merged entry, `source` listing both).
 *
 * Codes — read before reusing one elsewhere:
 * - Services and tests use REAL national codes (医疗服务项目分类与代码), each found either in
 *   the national rule batches (`../shared/data/nhsa-rules/lk_batches/`) or in the rule
 *   dictionary of the same public repository (jdzwq/MediModel @573b603,
 *   `数据作业/B-字典生成/b.2.02-生成诊疗限制规则.sql`); the comment says which. One exception,
 *   血细胞分析, is marked as unverified.
 * - Drugs use FORMAT-CONFORMANT PLACEHOLDERS, not verified national codes: no public source at
 *   hand lists their 23-character 医保药品分类与代码. A placeholder is `X` + the real ATC
 *   level-4 group + pinyin initial and a `9nn` generic-name number (above the 3xx–7xx range
 *   real codes use) + a dosage-form code as seen in the batches (A001 片, A010 缓/控释片,
 *   A012 肠溶片, E001 胶囊, B002 注射液) + `0101` + enterprise `00000` (no real enterprise).
 *
 * Prices are yuan per billed unit, the unit named in `name` (a box, a pen, a visit, a day).
 * They are simulation ceilings at the level of national volume-based procurement (国家集采) and
 * negotiated prices with a margin, not any province's official 支付标准.
 */
import type { CatalogueEntry } from '../../pipeline/catalogue/catalogue-entry.js';

/**
 * Chronic-disease drugs: 30 days on an ordinary prescription; 12 weeks on a long-term
 * prescription for chronic/special outpatients (长期处方管理规范（试行）, 2021: ≤ 12 weeks).
 */
const CHRONIC = { max_days: 30, max_days_chronic: 84 } as const;

/** 《处方管理办法》第十九条: a prescription generally covers at most 7 days. */
const ACUTE = { max_days: 7 } as const;

export const COMMON_ITEMS: readonly CatalogueEntry[] = [
  // ---- Drugs (list_type 101). Every code below is a format-conformant placeholder. ----

  // The flagship case: public hospitals sell this box at 2.86 yuan (集采 price); a private
  // hospital charged 61.41. Ceiling 3.5 leaves room for rounding and regional differences.
  { med_list_codg: 'XC10AAA901A001010100000', name: '阿托伐他汀钙片 20mg×7片/盒', list_type: '101', group: 'C10AA05', ...CHRONIC, price_ceiling: 3.5 },
  // Rosuvastatin: 集采 prices are a few jiao per tablet; ceiling 4 per box of 7.
  { med_list_codg: 'XC10AAR902A001010100000', name: '瑞舒伐他汀钙片 10mg×7片/盒', list_type: '101', group: 'C10AA07', ...CHRONIC, price_ceiling: 4 },
  // Metformin: 集采 prices are a few fen to ~0.1 yuan per tablet; ceiling 3 per box of 20.
  { med_list_codg: 'XA10BAE903A001010100000', name: '盐酸二甲双胍片 0.5g×20片/盒', list_type: '101', group: 'A10BA02', ...CHRONIC, price_ceiling: 3 },
  // Amlodipine: 集采 ~0.1–0.2 yuan per tablet; ceiling 2.5 per box of 7.
  { med_list_codg: 'XC08CAA904A001010100000', name: '苯磺酸氨氯地平片 5mg×7片/盒', list_type: '101', group: 'C08CA01', ...CHRONIC, price_ceiling: 2.5 },
  // Clopidogrel: 集采 ~1 yuan per tablet; ceiling 10 per box of 7.
  { med_list_codg: 'XB01ACL905A001010100000', name: '硫酸氢氯吡格雷片 75mg×7片/盒', list_type: '101', group: 'B01AC04', ...CHRONIC, price_ceiling: 10 },
  // Low-dose aspirin: generics ~0.1 yuan per tablet, the originator ~15 per box; ceiling 16.
  { med_list_codg: 'XB01ACA906A012010100000', name: '阿司匹林肠溶片 100mg×30片/盒', list_type: '101', group: 'B01AC06', ...CHRONIC, price_ceiling: 16 },
  // Valsartan: 集采 ~0.2–0.5 yuan per capsule; ceiling 5 per box of 7.
  { med_list_codg: 'XC09CAX907E001010100000', name: '缬沙坦胶囊 80mg×7粒/盒', list_type: '101', group: 'C09CA03', ...CHRONIC, price_ceiling: 5 },
  // Nifedipine controlled release: originator ~30 per box before 集采, generics far less; ceiling 20.
  { med_list_codg: 'XC08CAX908A010010100000', name: '硝苯地平控释片 30mg×7片/盒', list_type: '101', group: 'C08CA05', ...CHRONIC, price_ceiling: 20 },
  // Glimepiride: 集采 ~0.1–0.3 yuan per tablet; ceiling 10 per box of 30.
  { med_list_codg: 'XA10BBG909A001010100000', name: '格列美脲片 2mg×30片/盒', list_type: '101', group: 'A10BB12', ...CHRONIC, price_ceiling: 10 },
  // Acarbose: 集采 ~0.2–0.5 yuan per tablet; ceiling 15 per box of 30.
  { med_list_codg: 'XA10BFA910A001010100000', name: '阿卡波糖片 50mg×30片/盒', list_type: '101', group: 'A10BF01', ...CHRONIC, price_ceiling: 15 },
  // Insulin glargine: the 2021 insulin 集采 brought a 300-unit pen to roughly 60–70 yuan;
  // ceiling 75. Resold (回流药): high value, easy to carry. National list: long-acting insulin
  // analogues 限1型糖尿病患者；限其他短效胰岛素或口服药难以控制的2型糖尿病患者 → E10, E11.
  { med_list_codg: 'XA10AEG911B002010100000', name: '甘精胰岛素注射液 3ml:300单位/支', list_type: '101', group: 'A10AE04', ...CHRONIC, indications: ['E10', 'E11'], price_ceiling: 75, reflow_risk: true },
  // Insulin aspart: the 2021 insulin 集采 put a 300-unit cartridge at roughly 40 yuan; ceiling 45. Resold.
  { med_list_codg: 'XA10ABM912B002010100000', name: '门冬胰岛素注射液 3ml:300单位/支', list_type: '101', group: 'A10AB05', ...CHRONIC, price_ceiling: 45, reflow_risk: true },
  // Semaglutide: a few hundred yuan per pen, in demand off-label for weight loss and widely
  // resold; ceiling 400 (order of magnitude, not an official figure). Paid for type 2 diabetes → E11.
  { med_list_codg: 'XA10BJS913B002010100000', name: '司美格鲁肽注射液 1.5ml:2mg/支', list_type: '101', group: 'A10BJ06', ...CHRONIC, indications: ['E11'], price_ceiling: 400, reflow_risk: true },
  // Entecavir: a long-running resale target (hepatitis B, originator was high-value); after
  // 集采 generics are a few jiao per tablet; ceiling 20 per box of 28. Resold.
  { med_list_codg: 'XJ05AFE914A001010100000', name: '恩替卡韦片 0.5mg×28片/盒', list_type: '101', group: 'J05AF10', ...CHRONIC, price_ceiling: 20, reflow_risk: true },
  // Adalimumab: ~1,300 yuan per syringe after the 2019 national negotiation; ceiling 1,300.
  // Resold. National list limits it to RA, AS, psoriasis, Crohn's, JIA, uveitis → the ICD-10
  // prefixes of those conditions (M05, M06, M08, M45, L40, K50, H20).
  { med_list_codg: 'XL04ABA915B002010100000', name: '阿达木单抗注射液 40mg/0.8ml/支', list_type: '101', group: 'L04AB04', indications: ['M05', 'M06', 'M08', 'M45', 'L40', 'K50', 'H20'], price_ceiling: 1300, reflow_risk: true },
  // Oseltamivir: 限流感 → influenza J09–J11; a 5-day course, under the 7-day limit; ceiling 45 per box.
  { med_list_codg: 'XJ05AHA916E001010100000', name: '磷酸奥司他韦胶囊 75mg×10粒/盒', list_type: '101', group: 'J05AH02', ...ACUTE, indications: ['J09', 'J10', 'J11'], price_ceiling: 45 },
  // Antibiotics: the general 7-day limit. Prices at 集采 level with a margin, per box.
  { med_list_codg: 'XJ01CAA917E001010100000', name: '阿莫西林胶囊 0.25g×24粒/盒', list_type: '101', group: 'J01CA04', ...ACUTE, price_ceiling: 8 },
  { med_list_codg: 'XJ01DCT918A001010100000', name: '头孢呋辛酯片 0.25g×12片/盒', list_type: '101', group: 'J01DC02', ...ACUTE, price_ceiling: 15 },
  { med_list_codg: 'XJ01MAZ919A001010100000', name: '盐酸左氧氟沙星片 0.5g×4片/盒', list_type: '101', group: 'J01MA12', ...ACUTE, price_ceiling: 8 },
  { med_list_codg: 'XJ01FAA920A001010100000', name: '阿奇霉素片 0.25g×6片/盒', list_type: '101', group: 'J01FA10', ...ACUTE, price_ceiling: 12 },
  // Omeprazole: ulcer and reflux courses run 4–8 weeks, so 30 days per prescription; ceiling 8.
  { med_list_codg: 'XA02BCA921E001010100000', name: '奥美拉唑肠溶胶囊 20mg×14粒/盒', list_type: '101', group: 'A02BC01', max_days: 30, price_ceiling: 8 },
  // Irbesartan: 集采 ~0.1–0.3 yuan per tablet; ceiling 3 per box of 7.
  { med_list_codg: 'XC09CAE922A001010100000', name: '厄贝沙坦片 0.15g×7片/盒', list_type: '101', group: 'C09CA04', ...CHRONIC, price_ceiling: 3 },
  // Normal saline, the commonest inpatient line: a few yuan per soft bag; ceiling 5.
  { med_list_codg: 'XB05XAL923B002010100000', name: '氯化钠注射液 0.9% 250ml/袋', list_type: '101', group: 'B05XA03', price_ceiling: 5 },

  // ---- Services and tests (list_type 201), real national codes; ceilings per billed unit. ----

  // Per visit; provincial prices are roughly 10–25 yuan. Code: MediModel dictionary.
  { med_list_codg: '001102000010000', name: '普通门诊诊查费', list_type: '201', price_ceiling: 25 },
  // Per visit. Code: b7 (a sub item of 急诊监护费).
  { med_list_codg: '001102000030000', name: '急诊诊查费', list_type: '201', price_ceiling: 30 },
  // Per day. Code: b8_1 (1 a day).
  { med_list_codg: '001102000050000', name: '住院诊查费', list_type: '201', price_ceiling: 25 },
  // Per bed-day; 30–100 yuan by hospital level and province. Code: b8_1 and b7.
  { med_list_codg: '001109000010000', name: '普通病房床位费', list_type: '201', price_ceiling: 80 },
  // Per day. Code: b8_1 and b7.
  { med_list_codg: '001201000040000', name: 'Ⅱ级护理', list_type: '201', price_ceiling: 30 },
  // Per infusion (first bottle). Code: MediModel dictionary.
  { med_list_codg: '001204000060000', name: '静脉输液', list_type: '201', price_ceiling: 15 },
  // Per test. Code: b7 (a sub item of the glucose tolerance tests).
  { med_list_codg: '002503020010000', name: '葡萄糖测定', list_type: '201', price_ceiling: 10 },
  // Per test; once per 7 days comes from b8_4.
  { med_list_codg: '002503020020000', name: '血清果糖胺测定', list_type: '201', price_ceiling: 20 },
  // Per test; once per 15 days comes from b8_4.
  { med_list_codg: '002503020030000', name: '糖化血红蛋白测定', list_type: '201', price_ceiling: 60 },
  // Per test. Code: b7 (粪便常规 is a main item there).
  { med_list_codg: '002501030010000', name: '粪便常规', list_type: '201', price_ceiling: 8 },
  // Per test (常规 12-lead ECG). Code: MediModel dictionary.
  { med_list_codg: '003107010010000', name: '常规心电图检查', list_type: '201', price_ceiling: 30 },
  // Per body part. Code: MediModel dictionary.
  { med_list_codg: '002103000010000', name: 'X线计算机体层(CT)平扫', list_type: '201', price_ceiling: 200 },
  // Per body part. Code: MediModel dictionary.
  { med_list_codg: '002203010010000', name: '彩色多普勒超声常规检查', list_type: '201', price_ceiling: 150 },
  // 血常规. UNVERIFIED code: derived from the price-specification code 250101015 by the
  // national pattern `00` + 9 digits + `0000` (which holds for every verified code above), but
  // not found in any list at hand — treat as a placeholder.
  { med_list_codg: '002501010150000', name: '血细胞分析', list_type: '201', price_ceiling: 25 },
];
