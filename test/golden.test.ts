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

  for (const c of cases) {
    it(`${c.kind}/${c.name}: 3–8 settlements, valid and internally consistent`, () => {
      expect(c.events.length).toBeGreaterThanOrEqual(3);
      expect(c.events.length).toBeLessThanOrEqual(8);
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
