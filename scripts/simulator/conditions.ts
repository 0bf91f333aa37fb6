/**
 * Clinical conditions the simulator treats: each with its ICD-10 (医保版) diagnosis codes and how
 * to recognise the drugs and tests that go with it in a catalogue (generic-name keywords, ATC group
 * prefixes, test-name keywords). Diagnoses on a settlement come from here, so the drugs billed are
 * consistent with them.
 */
import type { Diagnosis } from '../../pipeline/contracts/settlement.js';

export type Setting = 'outpatient' | 'chronic' | 'inpatient' | 'pharmacy';

export interface Condition {
  readonly id: string;
  /** Principal diagnosis alternatives. */
  readonly diag: readonly Diagnosis[];
  /** Seen in general outpatient and pharmacy (acute or episodic). */
  readonly acute: boolean;
  /** A 门诊慢特病 condition (med_type "14"), and a reason for long supply at pharmacies. */
  readonly chronic: boolean;
  /** A reason for a stay. */
  readonly inpatient: boolean;
  readonly sex?: '1' | '2';
  readonly ageMin: number;
  readonly ageMax: number;
  /** Relative frequency among eligible conditions. */
  readonly weight: number;
  /** Substrings of drug generic names used for it. */
  readonly drugKeywords: readonly string[];
  /** ATC prefixes (catalogue `group`, or the ATC part of a national Western-drug code). */
  readonly atc: readonly string[];
  /** Substrings of test and examination names ordered for it. */
  readonly testKeywords: readonly string[];
}

const d = (diag_code: string, diag_name: string): Diagnosis => ({ diag_code, diag_name });

export const CONDITIONS: readonly Condition[] = [
  {
    id: 'hypertension', diag: [d('I10.x00', '高血压'), d('I10.x05', '原发性高血压')],
    acute: false, chronic: true, inpatient: false, ageMin: 30, ageMax: 100, weight: 10,
    drugKeywords: ['地平', '沙坦', '普利', '洛尔', '噻嗪', '吲达帕胺', '螺内酯'], atc: ['C02', 'C03', 'C07', 'C08', 'C09'],
    testKeywords: ['心电图', '肌酐', '电解质', '钾测定'],
  },
  {
    id: 'diabetes', diag: [d('E11.900', '2型糖尿病'), d('E11.400', '2型糖尿病伴有神经的并发症')],
    acute: false, chronic: true, inpatient: true, ageMin: 30, ageMax: 100, weight: 8,
    drugKeywords: ['二甲双胍', '格列', '列汀', '列净', '阿卡波糖', '胰岛素', '伏格列波糖', '瑞格列奈'], atc: ['A10'],
    testKeywords: ['糖化血红蛋白', '葡萄糖测定', '果糖胺', '血糖'],
  },
  {
    id: 'hyperlipidemia', diag: [d('E78.500', '高脂血症'), d('E78.000', '纯高胆固醇血症')],
    acute: false, chronic: true, inpatient: false, ageMin: 30, ageMax: 100, weight: 6,
    drugKeywords: ['他汀', '非诺贝特', '依折麦布', '苯扎贝特'], atc: ['C10'],
    testKeywords: ['血脂', '胆固醇', '甘油三酯', '脂蛋白'],
  },
  {
    id: 'chd', diag: [d('I25.103', '冠状动脉粥样硬化性心脏病'), d('I20.000', '不稳定性心绞痛')],
    acute: false, chronic: true, inpatient: true, ageMin: 40, ageMax: 100, weight: 5,
    drugKeywords: ['阿司匹林', '氯吡格雷', '硝酸', '替格瑞洛', '他汀', '美托洛尔', '曲美他嗪'], atc: ['B01', 'C01', 'C10', 'C07'],
    testKeywords: ['心电图', '肌钙蛋白', '心肌酶', '超声心动'],
  },
  {
    id: 'urti', diag: [d('J06.900', '急性上呼吸道感染'), d('J02.900', '急性咽炎')],
    acute: true, chronic: false, inpatient: false, ageMin: 0, ageMax: 100, weight: 14,
    drugKeywords: ['阿莫西林', '头孢', '对乙酰氨基酚', '布洛芬', '氨溴索', '感冒', '连花清瘟', '板蓝根', '清热', '止咳', '右美沙芬', '小儿'],
    atc: ['J01C', 'J01D', 'N02BE', 'R05', 'M01AE'],
    testKeywords: ['血细胞分析', '血常规', 'C反应蛋白'],
  },
  {
    id: 'influenza', diag: [d('J11.100', '流行性感冒'), d('J10.100', '甲型流行性感冒')],
    acute: true, chronic: false, inpatient: false, ageMin: 0, ageMax: 100, weight: 5,
    drugKeywords: ['奥司他韦', '玛巴洛沙韦', '连花清瘟', '对乙酰氨基酚', '布洛芬'], atc: ['J05AH', 'N02BE'],
    testKeywords: ['流感病毒', '血细胞分析', '血常规'],
  },
  {
    id: 'bronchitis', diag: [d('J20.900', '急性支气管炎')],
    acute: true, chronic: false, inpatient: false, ageMin: 0, ageMax: 100, weight: 6,
    drugKeywords: ['阿莫西林', '头孢', '阿奇霉素', '氨溴索', '溴己新', '止咳', '桉柠蒎'], atc: ['J01', 'R05'],
    testKeywords: ['血细胞分析', '血常规', '胸部'],
  },
  {
    id: 'pneumonia', diag: [d('J18.900', '肺炎'), d('J15.900', '细菌性肺炎')],
    acute: false, chronic: false, inpatient: true, ageMin: 0, ageMax: 100, weight: 6,
    drugKeywords: ['头孢', '阿奇霉素', '左氧氟沙星', '莫西沙星', '氨溴索', '哌拉西林'], atc: ['J01'],
    testKeywords: ['血细胞分析', '血常规', 'C反应蛋白', '降钙素原', '胸部', '痰'],
  },
  {
    id: 'gastritis', diag: [d('K29.700', '胃炎'), d('K29.500', '慢性胃炎')],
    acute: true, chronic: false, inpatient: false, ageMin: 12, ageMax: 100, weight: 7,
    drugKeywords: ['拉唑', '铝碳酸镁', '多潘立酮', '莫沙必利', '硫糖铝', '胃', '铋'], atc: ['A02', 'A03'],
    testKeywords: ['幽门螺杆菌', '胃镜', '尿素呼气'],
  },
  {
    id: 'copd', diag: [d('J44.900', '慢性阻塞性肺疾病'), d('J44.100', '慢性阻塞性肺疾病伴有急性加重')],
    acute: false, chronic: true, inpatient: true, ageMin: 45, ageMax: 100, weight: 3,
    drugKeywords: ['噻托溴铵', '沙美特罗', '布地奈德', '福莫特罗', '氨茶碱', '沙丁胺醇', '多索茶碱'], atc: ['R03'],
    testKeywords: ['肺功能', '血气', '胸部'],
  },
  {
    id: 'stroke', diag: [d('I63.900', '脑梗死')],
    acute: false, chronic: false, inpatient: true, ageMin: 45, ageMax: 100, weight: 4,
    drugKeywords: ['阿司匹林', '氯吡格雷', '他汀', '丁苯酞', '依达拉奉', '奥扎格雷', '胞磷胆碱'], atc: ['B01', 'C10', 'N06B', 'N07'],
    testKeywords: ['颅脑', '头颅', '血管超声', '凝血'],
  },
  {
    id: 'osteoarthritis', diag: [d('M17.900', '膝关节病'), d('M19.900', '骨关节病')],
    acute: true, chronic: false, inpatient: false, ageMin: 40, ageMax: 100, weight: 4,
    drugKeywords: ['布洛芬', '双氯芬酸', '塞来昔布', '氨基葡萄糖', '洛索洛芬', '美洛昔康'], atc: ['M01', 'M02'],
    testKeywords: ['X线', 'DR', '关节'],
  },
  {
    id: 'lumbago', diag: [d('M54.500', '腰痛')],
    acute: true, chronic: false, inpatient: false, ageMin: 18, ageMax: 100, weight: 3,
    drugKeywords: ['布洛芬', '双氯芬酸', '洛索洛芬', '美洛昔康', '乙哌立松'], atc: ['M01', 'M03'],
    testKeywords: ['X线', 'DR'],
  },
  {
    id: 'rhinitis', diag: [d('J30.400', '变应性鼻炎')],
    acute: true, chronic: false, inpatient: false, ageMin: 3, ageMax: 100, weight: 3,
    drugKeywords: ['氯雷他定', '西替利嗪', '孟鲁司特', '糠酸莫米松', '依巴斯汀'], atc: ['R06', 'R01'],
    testKeywords: ['过敏原'],
  },
  {
    id: 'insomnia', diag: [d('G47.000', '失眠')],
    acute: true, chronic: false, inpatient: false, ageMin: 18, ageMax: 100, weight: 2,
    drugKeywords: ['艾司唑仑', '佐匹克隆', '唑吡坦', '阿普唑仑'], atc: ['N05C', 'N05B'],
    testKeywords: [],
  },
  {
    id: 'hepatitis_b', diag: [d('B18.100', '慢性乙型病毒性肝炎')],
    acute: false, chronic: true, inpatient: false, ageMin: 18, ageMax: 90, weight: 2,
    drugKeywords: ['恩替卡韦', '替诺福韦', '拉米夫定', '阿德福韦'], atc: ['J05AF'],
    testKeywords: ['乙型肝炎', '乙肝', '肝功能', '丙氨酸氨基转移酶'],
  },
  {
    id: 'rheumatoid', diag: [d('M06.900', '类风湿关节炎')],
    acute: false, chronic: true, inpatient: false, ageMin: 18, ageMax: 90, weight: 1,
    drugKeywords: ['阿达木单抗', '甲氨蝶呤', '来氟米特', '托法替布', '依那西普', '羟氯喹'], atc: ['L04A'],
    testKeywords: ['类风湿因子', '红细胞沉降率', 'C反应蛋白'],
  },
  {
    id: 'bph', diag: [d('N40.x00', '前列腺增生')], sex: '1',
    acute: true, chronic: true, inpatient: false, ageMin: 45, ageMax: 100, weight: 3,
    drugKeywords: ['坦索罗辛', '非那雄胺', '爱普列特', '特拉唑嗪', '前列'], atc: ['G04C'],
    testKeywords: ['前列腺', '泌尿系'],
  },
  {
    id: 'dysmenorrhea', diag: [d('N94.600', '痛经')], sex: '2',
    acute: true, chronic: false, inpatient: false, ageMin: 14, ageMax: 50, weight: 2,
    drugKeywords: ['益母草', '暖宫', '调经', '痛经', '布洛芬'], atc: ['G02', 'M01AE'],
    testKeywords: ['妇科', '盆腔'],
  },
  {
    id: 'menopause', diag: [d('N95.100', '绝经期和女性更年期状态')], sex: '2',
    acute: true, chronic: false, inpatient: false, ageMin: 42, ageMax: 65, weight: 1,
    drugKeywords: ['雌二醇', '替勃龙', '坤泰', '更年'], atc: ['G03C', 'G03F'],
    testKeywords: ['性激素', '妇科'],
  },
];

/** Diagnoses by ICD-10 chapter letter, for an item whose indication prefix matches no known condition. */
const CHAPTER_NAMES: Readonly<Record<string, string>> = {
  A: '感染性疾病', B: '病毒性疾病', C: '恶性肿瘤', D: '血液及良性肿瘤疾病', E: '内分泌代谢疾病', F: '精神和行为障碍',
  G: '神经系统疾病', H: '眼耳疾病', I: '循环系统疾病', J: '呼吸系统疾病', K: '消化系统疾病', L: '皮肤疾病',
  M: '肌肉骨骼疾病', N: '泌尿生殖系统疾病', O: '妊娠相关情况', P: '围生期情况', Q: '先天性畸形', R: '症状和体征',
  S: '损伤', T: '损伤和中毒', Z: '健康状况相关因素',
};

/**
 * A diagnosis whose code starts with an ICD-10 prefix: a known condition's code when one matches,
 * else the prefix completed to the 医保版 form (`E11` → `E11.900`, `J10.1` → `J10.100`).
 */
export function diagnosisForPrefix(prefix: string): Diagnosis {
  const known = knownDiagnosis(prefix);
  if (known) return known;
  let code = prefix.trim().toUpperCase();
  if (/^[A-Z]\d\d$/.test(code)) code = `${code}.900`;
  else if (/^[A-Z]\d\d\.\d{1,2}$/.test(code)) code = code.padEnd(7, '0');
  else if (/^[A-Z]\d\d\d{1,3}$/.test(code)) code = `${code.slice(0, 3)}.${code.slice(3).padEnd(3, '0')}`;
  else if (/^[A-Z]\d?$/.test(code)) code = `${code.padEnd(3, '9')}.900`;
  return { diag_code: code, diag_name: CHAPTER_NAMES[code[0] ?? ''] ?? '其他疾病' };
}

/** A known condition's diagnosis whose code starts with the prefix, if any. */
export function knownDiagnosis(prefix: string): Diagnosis | undefined {
  for (const condition of CONDITIONS) {
    for (const diag of condition.diag) if (diagMatchesPrefix(diag.diag_code, prefix)) return diag;
  }
  return undefined;
}

/**
 * The diagnosis to write for an item's indications: a known condition's code for the first prefix
 * that has one, else the first prefix completed.
 */
export function diagnosisForIndications(prefixes: readonly string[]): Diagnosis | undefined {
  for (const p of prefixes) {
    const known = knownDiagnosis(p);
    if (known) return known;
  }
  return prefixes[0] === undefined ? undefined : diagnosisForPrefix(prefixes[0]);
}

/** True when a diagnosis code starts with an indication prefix (case-insensitive, dots ignored). */
export function diagMatchesPrefix(diagCode: string, prefix: string): boolean {
  const p = prefix.trim().toUpperCase().replaceAll('.', '');
  return p !== '' && diagCode.trim().toUpperCase().replaceAll('.', '').startsWith(p);
}

/** Generic diagnoses for a restricted item without indications: what a clinician would plausibly write. */
export const SEX_DIAG: Readonly<Record<'1' | '2', Diagnosis>> = {
  '1': d('N40.x00', '前列腺增生'),
  '2': d('N94.600', '痛经'),
};
