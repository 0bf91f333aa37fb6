/**
 * Golden files for every detector (`test/golden/<kind>/<case>.events.ndjson` →
 * `<case>.alerts.ndjson`, see `test/golden/update-goldens.ts`), the inputs' own validity, and the
 * rule options (overrides, `enabled`, `rulesConfigProblems`).
 *
 * Event naming in the goldens: a `setl_id` ending in `-HIT` must raise at least one alert of its
 * directory's kind, `-MISS` none of that kind (a near miss), `-REFUND` no alert at all.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import settlementSchema from '../pipeline/contracts/settlement-event.schema.json' with { type: 'json' };
import { ALERT_KINDS } from '../pipeline/contracts/alert.js';
import type { PersonStatus, Settlement } from '../pipeline/contracts/settlement.js';
import { createDetectionEngine } from '../pipeline/detectors/engine.js';
import { createDetectors, DETECTOR_DEFINITIONS, memoryDeps, rulesConfigProblems, type RulesConfig } from '../pipeline/detectors/registry.js';
import { parseCalendarDate } from '../pipeline/time/event-time.js';
import {
  caseCatalogue,
  evaluateGoldenEvents,
  listGoldenCases,
  loadGoldenCatalogue,
  readNdjson,
  type GoldenAlert,
} from './golden/update-goldens.js';
import { createCatalogue } from '../pipeline/catalogue/catalogue.js';
import type { Alert } from '../pipeline/contracts/alert.js';
import { localIsoTime } from '../pipeline/state/person-history.js';
import { DAY_MS } from '../pipeline/time/event-time.js';
import { goldenCatalogueEntries } from './golden/update-goldens.js';

const catalogue = loadGoldenCatalogue();
const cases = listGoldenCases().map((c) => ({
  ...c,
  events: readNdjson<Settlement>(c.eventsPath),
  expected: readNdjson<GoldenAlert>(c.alertsPath),
  persons: c.personsPath ? readNdjson<PersonStatus>(c.personsPath) : [],
  catalogue: caseCatalogue(c),
}));
const kinds = DETECTOR_DEFINITIONS.map((d) => d.kind);

/** One settlement from the goldens, by id (for the option tests). */
function golden(setlId: string): Settlement {
  for (const c of cases) {
    const found = c.events.find((e) => e.setl_id === setlId);
    if (found) return found;
  }
  throw new Error(`no golden event ${setlId}`);
}

function run(events: readonly Settlement[], rules: RulesConfig = {}): GoldenAlert[] {
  return evaluateGoldenEvents(events, catalogue, rules);
}

describe('golden cases', () => {
  it('finds a case directory for every registered kind', () => {
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(kinds));
  });

  for (const c of cases) {
    it(`${c.kind}/${c.name}`, () => {
      expect(evaluateGoldenEvents(c.events, c.catalogue, {}, c.persons)).toEqual(c.expected);
    });
  }
});

describe('golden expectations', () => {
  for (const kind of kinds) {
    it(`${kind}: at least one case with an alert of the kind and one near miss without`, () => {
      const mine = cases.filter((c) => c.kind === kind);
      const hits = mine.flatMap((c) => c.expected).filter((a) => a.kind === kind);
      expect(hits.length).toBeGreaterThan(0);
      const nearMisses = mine.flatMap((c) =>
        c.events.filter((e) => e.setl_type !== 'refund' && !c.expected.some((a) => a.kind === kind && a.setl_id === e.setl_id)),
      );
      expect(nearMisses.length).toBeGreaterThan(0);
    });
  }

  for (const c of cases) {
    it(`${c.kind}/${c.name}: -HIT fires the kind, -MISS does not, -REFUND raises nothing`, () => {
      for (const e of c.events) {
        const ofKind = c.expected.filter((a) => a.setl_id === e.setl_id && a.kind === c.kind).length;
        const any = c.expected.filter((a) => a.setl_id === e.setl_id).length;
        const suffix = /-(HIT|MISS|REFUND)$/.exec(e.setl_id)?.[1];
        expect(suffix, e.setl_id).toBeDefined();
        if (suffix === 'HIT') expect(ofKind, e.setl_id).toBeGreaterThan(0);
        if (suffix === 'MISS') expect(ofKind, e.setl_id).toBe(0);
        if (suffix === 'REFUND') {
          expect(e.setl_type, e.setl_id).toBe('refund');
          expect(any, e.setl_id).toBe(0);
        }
      }
    });

    it(`${c.kind}/${c.name}: the expected file is alert records of phase in, sorted, unique, without detected_at`, () => {
      const ids = c.expected.map((a) => a.alert_id);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
      const setlIds = new Set(c.events.map((e) => e.setl_id));
      for (const a of c.expected) {
        expect(a).not.toHaveProperty('detected_at');
        expect(a.phase).toBe('in');
        expect(ALERT_KINDS).toContain(a.kind);
        expect(setlIds.has(a.setl_id)).toBe(true);
        expect(a.message).not.toContain(a.psn_no);
        expect(Math.round(a.amount_at_risk * 100) / 100).toBe(a.amount_at_risk);
      }
    });
  }
});

describe('golden inputs', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  addFormats.default(ajv, ['date-time', 'date']);
  const validate = ajv.compile(settlementSchema);
  const cents = (yuan: number) => Math.round(yuan * 100);

  it('uses each setl_id once across every golden file', () => {
    const ids = cases.flatMap((c) => c.events.map((e) => e.setl_id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  /**
   * Cases stay small enough to review line by line: 3–8 settlements. Exception: a count threshold
   * can only be shown with that many settlements (`rx.frequent_visits`: the 13th visit in 30 days).
   */
  const MAX_EVENTS: Partial<Record<string, number>> = { 'rx.frequent_visits': 16 };

  for (const c of cases) {
    it(`${c.kind}/${c.name}: 3–${MAX_EVENTS[c.kind] ?? 8} settlements, valid and internally consistent`, () => {
      expect(c.events.length).toBeGreaterThanOrEqual(3);
      expect(c.events.length).toBeLessThanOrEqual(MAX_EVENTS[c.kind] ?? 8);
      const earlier = new Set<string>();
      for (const e of c.events) {
        expect(validate(e), `${e.setl_id}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        expect(parseCalendarDate(e.brdy), `${e.setl_id} brdy`).toBeDefined();
        for (const t of [e.setl_time, e.begntime, e.endtime]) {
          if (t !== undefined) expect(t, e.setl_id).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
        }
        if (e.med_type.startsWith('2')) expect(e.begntime && e.endtime, `${e.setl_id} stay`).toBeTruthy();
        const sns = e.items.map((i) => i.feedetl_sn);
        expect(new Set(sns).size, `${e.setl_id} feedetl_sn`).toBe(sns.length);
        for (const i of e.items) expect(cents(i.det_item_fee_sumamt), `${e.setl_id}/${i.feedetl_sn}`).toBe(cents(i.cnt * i.pric));
        expect(cents(e.medfee_sumamt), e.setl_id).toBe(e.items.reduce((s, i) => s + cents(i.det_item_fee_sumamt), 0));
        expect(cents(e.fund_pay_sumamt ?? 0) + cents(e.psn_cash_pay ?? 0), e.setl_id).toBe(cents(e.medfee_sumamt));
        if (e.setl_type === 'refund') expect(earlier.has(e.orig_setl_id ?? ''), `${e.setl_id} refunds an earlier settlement`).toBe(true);
        earlier.add(e.setl_id);
      }
    });
  }
});

describe('detector options', () => {
  it('rx.high_amount: a lower outpatientYuan fires earlier', () => {
    const event = golden('GLD-SEX-02-HIT'); // an outpatient settlement of 297.20 yuan
    expect(run([event]).filter((a) => a.kind === 'rx.high_amount')).toEqual([]);
    const [alert] = run([event], { 'rx.high_amount': { outpatientYuan: 200 } }).filter((a) => a.kind === 'rx.high_amount');
    expect(alert).toMatchObject({ severity: 'low', score: 1.486, amount_at_risk: 297.2, evidence: { threshold_yuan: 200 } });
  });

  it('rx.high_amount: inpatientYuan applies to inpatient settlements only', () => {
    const inpatient = golden('GLD-AMT-06-MISS'); // 10,029.50 yuan, inpatient
    const outpatient = golden('GLD-AMT-02-MISS'); // 3,999.99 yuan, outpatient
    const alerts = run([inpatient, outpatient], { 'rx.high_amount': { inpatientYuan: 10000 } });
    expect(alerts.filter((a) => a.kind === 'rx.high_amount').map((a) => a.setl_id)).toEqual(['GLD-AMT-06-MISS']);
  });

  it('price.above_ceiling: tolerance 0 fires on a price 1 % over the ceiling', () => {
    const event = golden('GLD-PRC-02-MISS'); // 10.10 against a ceiling of 10.00
    expect(run([event])).toEqual([]);
    const alerts = run([event], { 'price.above_ceiling': { tolerance: 0 } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'price.above_ceiling', score: 1.01, amount_at_risk: 0.5 });
  });

  it('severity is configurable', () => {
    const alerts = run([golden('GLD-SEX-01-HIT')], { 'rx.gender_restricted': { severity: 'low' } });
    expect(alerts.map((a) => a.severity)).toEqual(['low']);
  });

  it('enabled: false removes a kind', () => {
    const detectors = createDetectors({ 'rx.high_amount': { enabled: false } });
    expect(detectors.map((d) => d.kind)).not.toContain('rx.high_amount');
    expect(detectors).toHaveLength(kinds.length - 1);
    expect(run([golden('GLD-AMT-01-HIT')], { 'rx.high_amount': { enabled: false } })).toEqual([]);
  });

  it('the same input gives the same alert ids whatever the run', () => {
    const events = cases.flatMap((c) => c.events);
    const first = run(events).map((a) => a.alert_id);
    expect(run(events).map((a) => a.alert_id)).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });

  it('rx.age_restricted: an impossible birth date (no age) never fires', () => {
    const event: Settlement = { ...golden('GLD-AGE-04-HIT'), setl_id: 'UNIT-AGE-NAN', brdy: '1988-02-30' };
    const engine = createDetectionEngine(createDetectors(), catalogue);
    expect(engine.evaluate(event, 'in').alerts).toEqual([]);
  });
});

describe('rulesConfigProblems', () => {
  it('accepts the defaults and valid overrides', () => {
    expect(rulesConfigProblems({})).toEqual([]);
    expect(
      rulesConfigProblems({
        'rx.high_amount': { enabled: true, outpatientYuan: 1000, inpatientYuan: 20000, severity: 'medium' },
        'price.above_ceiling': { tolerance: 0.05 },
        'rx.duplicate_charge': { enabled: false },
      }),
    ).toEqual([]);
  });

  it('lists every problem at once: unknown kind, unknown option, wrong types', () => {
    // As a configuration file could hold it: the types are what is being checked.
    const fromFile: Record<string, Record<string, unknown>> = {
      'rx.no_such_kind': { enabled: true },
      'rx.high_amount': { outpatientYuan: '1000', thresholdYuan: 1, enabled: 'yes' },
      'price.above_ceiling': { tolerance: true },
    };
    const problems = rulesConfigProblems(fromFile as RulesConfig);
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/rules\.rx\.no_such_kind: unknown kind/);
    expect(problems.join('\n')).toMatch(/rules\.rx\.high_amount\.outpatientYuan: must be a number/);
    expect(problems.join('\n')).toMatch(/rules\.rx\.high_amount\.thresholdYuan: unknown option/);
    expect(problems.join('\n')).toMatch(/rules\.rx\.high_amount\.enabled: must be true or false/);
    expect(problems.join('\n')).toMatch(/rules\.price\.above_ceiling\.tolerance: must be a number/);
  });
});

describe('detector definitions', () => {
  for (const def of DETECTOR_DEFINITIONS) {
    const file = `${def.kind.replace(/[._]/g, '-')}.ts`;
    it(`${def.kind}: lives in pipeline/detectors/${file}, every option documented with @default`, () => {
      const source = readFileSync(fileURLToPath(new URL(`../pipeline/detectors/${file}`, import.meta.url)), 'utf8');
      expect(source).toContain(`kind: '${def.kind}'`);
      for (const option of Object.keys(def.defaults)) {
        const documented = new RegExp(`/\\*\\*(?:(?!\\*/)[\\s\\S])*@default(?:(?!\\*/)[\\s\\S])*\\*/\\s*${option}\\??:`);
        expect(source, `${def.kind}.${option}`).toMatch(documented);
      }
      expect(def.create(def.defaults, memoryDeps()).kind).toBe(def.kind);
    });
  }
});

describe('history kinds (rx.test_frequency, rx.deceased, rx.inpatient_overlap, rx.readmission, rx.frequent_visits)', () => {
  const at = (s: Settlement, setlId: string, time: string, over: Partial<Settlement> = {}): Settlement => ({
    ...s,
    setl_id: setlId,
    mdtrt_id: `MDT-${setlId}`,
    setl_time: `${time}+08:00`,
    ...over,
  });
  const refundOf = (s: Settlement, setlId: string, time: string): Settlement => ({ ...s, setl_id: setlId, setl_type: 'refund', orig_setl_id: s.setl_id, setl_time: `${time}+08:00` });
  const ofKind = (alerts: readonly { kind: string; setl_id: string }[], kind: string) => alerts.filter((a) => a.kind === kind).map((a) => a.setl_id);
  const myKinds: readonly string[] = ['rx.test_frequency', 'rx.deceased', 'rx.inpatient_overlap', 'rx.readmission', 'rx.frequent_visits'];
  /** These kinds alone, so that no other kind's lookback hides a short one. */
  const mine = DETECTOR_DEFINITIONS.filter((d) => myKinds.includes(d.kind));

  /** A seeded stream: 40 persons, visits, pharmacy purchases, HbA1c tests, stays and refunds, arriving up to 6 days late. */
  function syntheticStream(n: number, seed: number): Settlement[] {
    let x = seed;
    const rand = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const visit = golden('GLD-FRQ-01-MISS');
    const pharmacy = golden('GLD-OVL-04-HIT');
    const test = golden('GLD-TFQ-01-MISS');
    const stay = golden('GLD-OVL-01-MISS');
    const minute = 60_000;
    const out: Settlement[] = [];
    let clock = Date.parse('2026-01-01T08:00:00+08:00');
    for (let i = 0; i < n; i++) {
      clock += Math.floor(rand() * 6 * 60) * minute; // 3 hours apart on average
      const t = clock - Math.floor(rand() * 6 * 24 * 60) * minute; // up to 6 days late
      const psn_no = `SYN-PSN-${Math.floor(rand() * 40)}`;
      const fixmedins_code = rand() < 0.5 ? 'H1' : 'H2';
      const setl_id = `SYN-${i}`;
      const mdtrt_id = `MDT-${setl_id}`;
      const r = rand();
      const recent = out[out.length - 1 - Math.floor(rand() * Math.min(out.length, 30))];
      if (r < 0.06 && recent && recent.setl_type !== 'refund') {
        out.push({ ...recent, setl_id, setl_type: 'refund', orig_setl_id: recent.setl_id, setl_time: localIsoTime(clock) });
      } else if (r < 0.2) {
        const begMs = t - (1 + Math.floor(rand() * 20)) * DAY_MS + Math.floor(rand() * 600) * minute;
        const diag = [{ diag_code: rand() < 0.5 ? 'E11.900' : 'I63.900' }];
        out.push({ ...stay, setl_id, mdtrt_id, psn_no, fixmedins_code, diag, begntime: localIsoTime(begMs), endtime: localIsoTime(t), setl_time: localIsoTime(t) });
      } else if (r < 0.35) {
        out.push({ ...test, setl_id, mdtrt_id, psn_no, fixmedins_code, setl_time: localIsoTime(t) });
      } else if (r < 0.5) {
        out.push({ ...pharmacy, setl_id, mdtrt_id, psn_no, setl_time: localIsoTime(t) });
      } else {
        out.push({ ...visit, setl_id, mdtrt_id, psn_no, fixmedins_code, setl_time: localIsoTime(t) });
      }
    }
    return out;
  }

  it('rx.frequent_visits: minVisits and windowDays are options; a refund is not a visit and removes its original', () => {
    const v = golden('GLD-FRQ-01-MISS');
    const v1 = at(v, 'U-FRQ-1', '2026-10-01T09:00:00');
    const events = [
      v1,
      at(v, 'U-FRQ-2', '2026-10-02T09:00:00'),
      refundOf(v1, 'U-FRQ-R1', '2026-10-02T10:00:00'),
      at(v, 'U-FRQ-3', '2026-10-03T09:00:00'), // v2 + v3: 2 visits, v1 refunded
      at(v, 'U-FRQ-4', '2026-10-04T09:00:00'), // 3 visits
    ];
    expect(ofKind(run(events, { 'rx.frequent_visits': { minVisits: 3 } }), 'rx.frequent_visits')).toEqual(['U-FRQ-4']);
    expect(ofKind(run(events, { 'rx.frequent_visits': { minVisits: 3, windowDays: 1 } }), 'rx.frequent_visits')).toEqual([]);
    expect(ofKind(run(events), 'rx.frequent_visits')).toEqual([]);
  });

  it('rx.readmission: windowDays 16 makes the stay admitted exactly 15 days after a discharge a readmission', () => {
    const events = [golden('GLD-RDM-11-MISS'), golden('GLD-RDM-12-MISS')];
    expect(ofKind(run(events), 'rx.readmission')).toEqual([]);
    expect(ofKind(run(events, { 'rx.readmission': { windowDays: 16 } }), 'rx.readmission')).toEqual(['GLD-RDM-12-MISS']);
  });

  it('rx.readmission: two settlements of one stay (the same mdtrt_id, 中途结算) are not a readmission', () => {
    const first = golden('GLD-RDM-11-MISS'); // 2026-10-01 09:00 → 2026-10-10 09:00
    const times = { begntime: '2026-10-10T09:00:00+08:00', endtime: '2026-10-20T09:00:00+08:00', setl_time: '2026-10-20T09:00:00+08:00' };
    const sameStay = { ...first, ...times, setl_id: 'U-RDM-1' };
    const newStay = { ...sameStay, setl_id: 'U-RDM-2', mdtrt_id: 'MDT-U-RDM-2' };
    expect(ofKind(run([first, sameStay]), 'rx.readmission')).toEqual([]);
    expect(ofKind(run([first, newStay]), 'rx.readmission')).toEqual(['U-RDM-2']);
  });

  it('rx.inpatient_overlap: a stay is checked over its last maxStayDays days, whichever side arrives second', () => {
    const stay = golden('GLD-OVL-01-MISS'); // 2026-11-01 10:00 → 2026-11-10 09:00 at H32010200011
    const visit = at(golden('GLD-OVL-02-HIT'), 'U-OVL-1', '2026-11-03T09:00:00');
    const rules = { 'rx.inpatient_overlap': { maxStayDays: 5 } };
    expect(ofKind(run([stay, visit]), 'rx.inpatient_overlap')).toEqual(['U-OVL-1']);
    expect(ofKind(run([visit, stay]), 'rx.inpatient_overlap')).toEqual(['GLD-OVL-01-MISS']);
    expect(ofKind(run([stay, visit], rules), 'rx.inpatient_overlap')).toEqual([]);
    expect(ofKind(run([visit, stay], rules), 'rx.inpatient_overlap')).toEqual([]);
    const late = at(visit, 'U-OVL-2', '2026-11-06T09:00:00');
    expect(ofKind(run([late, stay], rules), 'rx.inpatient_overlap')).toEqual(['GLD-OVL-01-MISS']);
  });

  it('rx.test_frequency: a catalogue interval longer than maxIntervalDays is applied as maxIntervalDays', () => {
    const long = { med_list_codg: '002503020099999', name: '测试用长间隔检验', list_type: '201' as const, min_interval_days: 60 };
    const withLong = createCatalogue([...goldenCatalogueEntries(), long]);
    const bill = golden('GLD-TFQ-01-MISS');
    const item = { feedetl_sn: '1', med_list_codg: long.med_list_codg, list_type: '201' as const, cnt: 1, pric: 60, det_item_fee_sumamt: 60 };
    const first = at(bill, 'U-TFQ-1', '2026-11-01T09:00:00', { items: [item], medfee_sumamt: 60, fund_pay_sumamt: 42, psn_cash_pay: 18 });
    const after20 = at(first, 'U-TFQ-2', '2026-11-21T09:00:00');
    const after40 = at(first, 'U-TFQ-3', '2026-12-11T09:00:00');
    const [capped] = evaluateGoldenEvents([first, after20], withLong).filter((a) => a.kind === 'rx.test_frequency');
    expect(capped).toMatchObject({ setl_id: 'U-TFQ-2', evidence: { min_interval_days: 60, applied_interval_days: 30, interval_days: 20 } });
    expect(evaluateGoldenEvents([first, after40], withLong).filter((a) => a.kind === 'rx.test_frequency')).toEqual([]);
    const wide = { 'rx.test_frequency': { maxIntervalDays: 60 } };
    const [full] = evaluateGoldenEvents([first, after40], withLong, wide).filter((a) => a.kind === 'rx.test_frequency');
    expect(full?.evidence).toMatchObject({ min_interval_days: 60, interval_days: 40 });
    expect(full?.evidence).not.toHaveProperty('applied_interval_days');
  });

  it('a settlement delivered twice is recorded once and never pairs with itself', () => {
    const engine = createDetectionEngine(createDetectors(), catalogue);
    const bill = golden('GLD-TFQ-01-MISS');
    expect(engine.evaluate(bill, 'in').alerts).toEqual([]);
    const before = engine.stateSize();
    expect(engine.evaluate(bill, 'in').alerts).toEqual([]);
    engine.rebuild(bill, 1);
    expect(engine.stateSize()).toEqual(before);
    expect(before['rx.test_frequency']).toEqual({ keys: 1, entries: 1 });
    expect(before['rx.frequent_visits']).toEqual({ keys: 1, entries: 1 });
  });

  it('drafts (phase pre) see the history and change none of it', () => {
    const deps = memoryDeps();
    deps.persons.set({ psn_no: golden('GLD-DEC-02-HIT').psn_no, death_date: '2026-11-10' });
    const engine = createDetectionEngine(createDetectors({}, deps), catalogue);
    engine.evaluate(golden('GLD-OVL-01-MISS'), 'in');
    const state = engine.stateSize();
    const draft = golden('GLD-OVL-02-HIT');
    for (let i = 0; i < 2; i++) {
      const alerts = engine.evaluate(draft, 'pre').alerts;
      expect(alerts.map((a) => [a.kind, a.phase])).toEqual([['rx.inpatient_overlap', 'pre']]);
    }
    expect(engine.stateSize()).toEqual(state);
    const dead = engine.evaluate(golden('GLD-DEC-02-HIT'), 'pre').alerts;
    expect(dead.map((a) => [a.kind, a.severity])).toEqual([['rx.deceased', 'high']]);
  });

  it('one shared person history per deps: rx.inpatient_overlap reports visits and stays, the others their part', () => {
    const engine = createDetectionEngine(createDetectors(), catalogue);
    for (const id of ['GLD-OVL-01-MISS', 'GLD-OVL-02-HIT', 'GLD-OVL-03-MISS']) engine.evaluate(golden(id), 'in');
    const size = engine.stateSize();
    expect(size['rx.frequent_visits']).toEqual({ keys: 1, entries: 2 });
    expect(size['rx.readmission']).toEqual({ keys: 1, entries: 1 });
    expect(size['rx.inpatient_overlap']).toEqual({ keys: 2, entries: 3 });
  });

  it('out-of-order arrival within the allowed lateness: eviction never changes a result and keeps state bounded', () => {
    const events = syntheticStream(3000, 20261124);
    const plain = createDetectionEngine(createDetectors({}, memoryDeps(), mine), catalogue); // 3000 < 5000 records: never evicts
    const detectors = createDetectors({}, memoryDeps(), mine);
    const evicting = createDetectionEngine(detectors, catalogue);
    const strip = (alerts: readonly Alert[]) => alerts.filter((a) => myKinds.includes(a.kind)).map(({ detected_at: _d, ...rest }) => rest);
    const a: unknown[] = [];
    const b: unknown[] = [];
    for (const e of events) {
      a.push(...strip(plain.evaluate(e, 'in').alerts));
      b.push(...strip(evicting.evaluate(e, 'in').alerts));
      for (const d of detectors) d.evict?.(evicting.watermarkMs());
    }
    expect(b).toEqual(a);
    const kindsFound = new Set((a as Alert[]).map((x) => x.kind));
    for (const kind of ['rx.test_frequency', 'rx.inpatient_overlap', 'rx.readmission', 'rx.frequent_visits']) expect(kindsFound, kind).toContain(kind);

    // Bounded: what is kept is what lies within the lookback (plus one eviction step).
    const watermark = evicting.watermarkMs();
    const lookback = (kind: string) => detectors.find((d) => d.kind === kind)!.lookbackMs!;
    const visits = events.filter((e) => e.setl_type !== 'refund' && e.med_type !== '21');
    const keptVisits = visits.filter((e) => Date.parse(e.setl_time) >= watermark - lookback('rx.inpatient_overlap') - DAY_MS).length;
    expect(evicting.stateSize()['rx.frequent_visits']!.entries).toBeLessThanOrEqual(keptVisits);
    expect(evicting.stateSize()['rx.frequent_visits']!.entries).toBeLessThan(plain.stateSize()['rx.frequent_visits']!.entries / 2);
    expect(evicting.stateSize()['rx.test_frequency']!.entries).toBeLessThan(plain.stateSize()['rx.test_frequency']!.entries / 4);
  });

  // Each kind alone, so that no other kind's longer lookback hides a short one; windows as tight as
  // the stream allows (stays of at most 21 days), so that a lookback a day short would show. The
  // lateness stays at its default of 7 days (the stream is up to 6 days late).
  const tight: RulesConfig = {
    'rx.test_frequency': { maxIntervalDays: 15 },
    'rx.inpatient_overlap': { maxStayDays: 21 },
    'rx.readmission': { maxStayDays: 21 },
    'rx.frequent_visits': { minVisits: 4 },
  };
  for (const kind of ['rx.test_frequency', 'rx.inpatient_overlap', 'rx.readmission', 'rx.frequent_visits']) {
    it(`${kind}: state rebuilt from the lookback window gives the same alerts as an uninterrupted run`, () => {
      const only = mine.filter((d) => d.kind === kind);
      const events = syntheticStream(3000, 7);
      const live = createDetectionEngine(createDetectors(tight, memoryDeps(), only), catalogue);
      const expected = events.map((e) => live.evaluate(e, 'in').alerts.map((a) => a.alert_id));
      expect(expected.flat().length).toBeGreaterThan(20);
      for (const split of [500, 1000, 1500, 2000, 2500]) {
        // As `pipeline/state/rebuild.ts` does: settlements within the lookback of the latest event time, in stream order.
        const restarted = createDetectionEngine(createDetectors(tight, memoryDeps(), only), catalogue);
        const before = events.slice(0, split);
        const latest = Math.max(...before.map((e) => Date.parse(e.setl_time)));
        before.forEach((e, i) => {
          if (Date.parse(e.setl_time) >= latest - restarted.lookbackMs) restarted.rebuild(e, i + 1);
        });
        const actual = events.slice(split).map((e, i) => restarted.evaluate(e, 'in', { seq: split + i + 1 }).alerts.map((a) => a.alert_id));
        expect(actual, `restart after ${split}`).toEqual(expected.slice(split));
      }
    });
  }
});
