/**
 * The shared regional price baselines (`pipeline/state/price-baselines.ts`): the ordering rule (a
 * check at sequence n sees only entries of smaller sequences, never its own settlement), the
 * horizon, idempotent adds, bounded memory, one instance per deps — and, against a plain
 * re-implementation of the semantics, that the sorted-window fast path and the gathered slow path
 * give the same numbers on a random stream with redeliveries, late events and evictions.
 */
import { median as ssMedian, medianAbsoluteDeviation as ssMad } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import type { Settlement } from '../pipeline/contracts/settlement.js';
import { createDetectionEngine } from '../pipeline/detectors/engine.js';
import { createDetectors, memoryDeps } from '../pipeline/detectors/registry.js';
import { PriceBaselines, sharedPriceBaselines, type BaselineStats } from '../pipeline/state/price-baselines.js';
import { DAY_MS } from '../pipeline/time/event-time.js';
import { caseCatalogue, listGoldenCases, readNdjson } from './golden/update-goldens.js';
import { rng } from './support/random.js';

const T0 = Date.parse('2026-11-01T09:00:00+08:00');
const CODE = 'XC10AAA901A001010100000';
const REGION = '320102';


/** Adds prices `prices[i]` at sequence `firstSeq + i`, one settlement each, an hour apart. */
function fill(b: PriceBaselines, prices: readonly number[], firstSeq = 1, code = CODE): void {
  prices.forEach((pric, i) => {
    const seq = firstSeq + i;
    b.add(code, REGION, { seq, setlId: `S${seq}`, feedetlSn: '1', timeMs: T0 + seq * 3_600_000, pric });
  });
}

function expectStats(got: BaselineStats | undefined, prices: readonly number[]): void {
  expect(got).toBeDefined();
  const lns = prices.map(Math.log);
  expect(got!.count).toBe(prices.length);
  expect(got!.medianLn).toBeCloseTo(ssMedian(lns), 12);
  expect(got!.madLn).toBeCloseTo(ssMad(lns), 12);
  expect(got!.medianPrice).toBeCloseTo(Math.exp(ssMedian(lns)), 12);
}

const prices = (n: number, seed = 1) => {
  const next = rng(seed);
  return Array.from({ length: n }, () => Math.round(286 * (1 + (next() - 0.5) * 0.1)) / 100);
};

describe('ordering rule', () => {
  it('a check at sequence n sees only prices recorded by smaller sequences', () => {
    const b = new PriceBaselines();
    const p = prices(40);
    fill(b, p);
    const at = (seq: number) => b.asOf({ seq, setlId: `CHECK${seq}`, timeMs: T0 + 100 * 3_600_000 }).stats(CODE, REGION);
    expectStats(at(21), p.slice(0, 20));
    expectStats(at(41), p);
    expectStats(at(Number.POSITIVE_INFINITY), p); // a draft sees everything
    expect(at(1)).toBeUndefined();
  });

  it('never its own settlement, even a copy republished at a later sequence', () => {
    const b = new PriceBaselines();
    const p = prices(35);
    fill(b, p);
    b.add(CODE, REGION, { seq: 36, setlId: 'OWN', feedetlSn: '1', timeMs: T0, pric: 99 });
    expectStats(b.asOf({ seq: 100, setlId: 'OWN', timeMs: T0 + 50 * 3_600_000 }).stats(CODE, REGION), p);
    expectStats(b.asOf({ seq: 100, setlId: 'OTHER', timeMs: T0 + 50 * 3_600_000 }).stats(CODE, REGION), [...p, 99]);
  });

  it('keeps the window per key and region', () => {
    const b = new PriceBaselines();
    fill(b, prices(30));
    const view = b.asOf({ seq: 1000, setlId: 'X', timeMs: T0 + DAY_MS * 10 });
    expect(view.stats(CODE, '320105')).toBeUndefined();
    expect(view.stats('OTHER', REGION)).toBeUndefined();
  });

  it('record() reads the baseline before adding the settlement, and a second call adds nothing', () => {
    const b = new PriceBaselines();
    const p = prices(30);
    fill(b, p);
    const s = {
      setl_id: 'REC', admdvs: REGION,
      items: [
        { feedetl_sn: '1', med_list_codg: CODE, cnt: 1, pric: 61.41, det_item_fee_sumamt: 61.41 },
        { feedetl_sn: '2', med_list_codg: CODE, cnt: 1, pric: 0, det_item_fee_sumamt: 0 },
      ],
    } as unknown as Settlement;
    const first = b.record(s, T0 + 40 * 3_600_000, 31);
    expectStats(first[0], p);
    expect(first[1]).toBeUndefined();
    expect(b.size()).toEqual({ keys: 1, entries: 31 });
    expect(b.record(s, T0 + 40 * 3_600_000, 31)).toBe(first);
    expect(b.size()).toEqual({ keys: 1, entries: 31 });
    const refund = { ...s, setl_id: 'REF', setl_type: 'refund', orig_setl_id: 'REC' } as Settlement;
    expect(b.record(refund, T0 + 41 * 3_600_000, 32)).toEqual([]);
    expect(b.size()).toEqual({ keys: 1, entries: 31 }); // baselines are not rewound
  });
});

describe('window, horizon and eviction', () => {
  it('holds the last 500 prices (plus slack for redeliveries) and no more', () => {
    const b = new PriceBaselines();
    const p = prices(2000, 7);
    fill(b, p);
    expect(b.size()).toEqual({ keys: 1, entries: 800 });
    expectStats(b.asOf({ seq: 5000, setlId: 'X', timeMs: T0 + 3000 * 3_600_000 }).stats(CODE, REGION), p.slice(1500));
    // A message redelivered 250 prices later still gets its exact view.
    expectStats(b.asOf({ seq: 1751, setlId: 'S1751', timeMs: T0 + 1751 * 3_600_000 }).stats(CODE, REGION), p.slice(1250, 1750));
  });

  it('ignores prices older than the horizon relative to the checked settlement, counts later ones', () => {
    const b = new PriceBaselines();
    const old = prices(10, 3).map((x) => x * 3);
    old.forEach((pric, i) => b.add(CODE, REGION, { seq: i + 1, setlId: `O${i}`, feedetlSn: '1', timeMs: T0 - 181 * DAY_MS, pric }));
    const p = prices(30, 4);
    fill(b, p, 11);
    const t = T0 + 5 * 3_600_000; // earlier than most of the 30 prices in event time
    expectStats(b.asOf({ seq: 100, setlId: 'X', timeMs: t }).stats(CODE, REGION), p);
    expectStats(b.asOf({ seq: 100, setlId: 'X', timeMs: T0 - 2 * DAY_MS }).stats(CODE, REGION), [...old, ...p]);
  });

  it('evictBefore drops old prices and empty keys; the view stays exact', () => {
    const b = new PriceBaselines();
    const p = prices(600, 9);
    p.forEach((pric, i) => b.add(CODE, REGION, { seq: i + 1, setlId: `E${i}`, feedetlSn: '1', timeMs: T0 + i * DAY_MS, pric }));
    b.add('LONE', REGION, { seq: 601, setlId: 'L', feedetlSn: '1', timeMs: T0, pric: 1 });
    b.evictBefore(T0 + 450 * DAY_MS);
    expect(b.size()).toEqual({ keys: 1, entries: 150 });
    expectStats(b.asOf({ seq: 1000, setlId: 'X', timeMs: T0 + 600 * DAY_MS }).stats(CODE, REGION), p.slice(450));
  });

  it('ignores lines priced 0', () => {
    const b = new PriceBaselines();
    expect(b.add(CODE, REGION, { seq: 1, setlId: 'Z', feedetlSn: '1', timeMs: T0, pric: 0 })).toBe(false);
    expect(b.size()).toEqual({ keys: 0, entries: 0 });
  });
});

describe('idempotence and sharing', () => {
  it('adds a line once per (setl_id, feedetl_sn), whatever the sequence it comes back with', () => {
    const b = new PriceBaselines();
    const e = { seq: 5, setlId: 'A', feedetlSn: '1', timeMs: T0, pric: 2.86 };
    expect(b.add(CODE, REGION, e)).toBe(true);
    expect(b.add(CODE, REGION, e)).toBe(false);
    expect(b.add(CODE, REGION, { ...e, seq: 9 })).toBe(false); // republished past the duplicate window
    expect(b.add(CODE, REGION, { ...e, feedetlSn: '2' })).toBe(true);
    expect(b.add('OTHER', REGION, e)).toBe(true);
    expect(b.size()).toEqual({ keys: 2, entries: 3 });
  });

  it('a view used after the baselines changed throws (a bug, never a silent stale read)', () => {
    const b = new PriceBaselines();
    fill(b, prices(3));
    const view = b.asOf({ seq: 10, setlId: 'X', timeMs: T0 });
    fill(b, prices(1), 4);
    expect(() => view.stats(CODE, REGION)).toThrow(/changed/);
  });

  it('one instance per deps object', () => {
    const deps = memoryDeps();
    expect(sharedPriceBaselines(deps)).toBe(sharedPriceBaselines(deps));
    expect(sharedPriceBaselines(memoryDeps())).not.toBe(sharedPriceBaselines(deps));
  });
});

describe('against a plain re-implementation', () => {
  interface Ref {
    seq: number;
    setlId: string;
    sn: string;
    timeMs: number;
    ln: number;
  }

  it('the same statistics on a random stream with redeliveries, late events and evictions', () => {
    const W = 40;
    const SLACK = 15;
    const H = 30 * DAY_MS;
    const b = new PriceBaselines({ windowSize: W, slack: SLACK, horizonMs: H });
    const ref = new Map<string, Ref[]>();
    const next = rng(42);
    const codes = ['A', 'B', 'C'];
    const recorded: Ref[] = [];
    const STEP = 4 * 3_600_000; // a window of one code spans about as long as the horizon
    let seq = 0;
    let fast = 0;
    const pending: { code: string; e: Ref }[] = [];
    const insert = (list: Ref[], e: Ref) => {
      let pos = list.length;
      while (pos > 0 && list[pos - 1]!.seq > e.seq) pos -= 1;
      list.splice(pos, 0, e);
      while (list.length > W + SLACK) list.shift();
    };
    for (let step = 0; step < 8000; step++) {
      const r = next();
      if (r < 0.6 || recorded.length === 0) {
        // a new settlement line, sometimes late in event time, sometimes recorded out of stream order
        seq += 1;
        const code = codes[Math.floor(next() * codes.length)]!;
        const timeMs = T0 + seq * STEP - (next() < 0.1 ? Math.floor(next() * 10 * DAY_MS) : 0);
        const pric = next() < 0.5 ? 2.86 : Math.round(100 + next() * 400) / 100;
        pending.push({ code, e: { seq, setlId: `S${seq}`, sn: '1', timeMs, ln: Math.log(pric) } });
        while (pending.length > (next() < 0.05 ? 3 : 0)) {
          const { code: c, e } = pending.splice(Math.floor(next() * pending.length), 1)[0]!;
          recorded.push(e);
          const list = ref.get(c) ?? [];
          const dup = list.some((x) => x.setlId === e.setlId && x.sn === e.sn);
          expect(b.add(c, REGION, { seq: e.seq, setlId: e.setlId, feedetlSn: e.sn, timeMs: e.timeMs, pric: Math.exp(e.ln) })).toBe(!dup);
          if (!dup) insert(list, e);
          ref.set(c, list);
          if (next() < 0.05) {
            // redelivered or republished: nothing changes
            expect(b.add(c, REGION, { seq: next() < 0.5 ? e.seq : seq + 1000, setlId: e.setlId, feedetlSn: e.sn, timeMs: e.timeMs, pric: Math.exp(e.ln) })).toBe(false);
          }
        }
      } else if (r < 0.97) {
        // a check: usually the next settlement, sometimes a redelivery of a recent one
        const redelivered = next() < 0.3;
        const e = redelivered ? recorded[Math.max(0, recorded.length - 1 - Math.floor(next() * SLACK))]! : undefined;
        const at = e ? { seq: e.seq, setlId: e.setlId, timeMs: e.timeMs } : { seq: seq + 1, setlId: `S${seq + 1}`, timeMs: T0 + (seq + 1) * STEP };
        const view = b.asOf(at);
        for (const code of codes) {
          const visible = (ref.get(code) ?? []).filter((x) => x.seq < at.seq && x.setlId !== at.setlId && at.timeMs - x.timeMs < H).slice(-W);
          const got = view.stats(code, REGION);
          if (visible.length === 0) {
            expect(got).toBeUndefined();
            continue;
          }
          const lns = visible.map((x) => x.ln);
          expect(got?.count).toBe(lns.length);
          expect(got!.medianLn).toBeCloseTo(ssMedian(lns), 12);
          expect(got!.madLn).toBeCloseTo(ssMad(lns), 12);
          if (!e) fast += 1;
        }
      } else {
        const cutoff = T0 + seq * STEP - H - 7 * DAY_MS;
        b.evictBefore(cutoff);
        for (const [code, list] of ref) {
          const kept = list.filter((x) => x.timeMs >= cutoff);
          if (kept.length) ref.set(code, kept);
          else ref.delete(code);
        }
      }
      const total = [...ref.values()].reduce((n, l) => n + l.length, 0);
      expect(b.size()).toEqual({ keys: ref.size, entries: total });
    }
    expect(fast).toBeGreaterThan(1000);
  });
});

describe('through the engine', () => {
  const [flagship] = listGoldenCases().filter((c) => c.kind === 'price.facility_markup' && c.name === 'private-hospital');
  const events = readNdjson<Settlement>(flagship!.eventsPath);
  const catalogue = caseCatalogue(flagship!);
  const priceKinds = new Set(['price.outlier', 'price.facility_markup']);
  /** The price kinds' alerts, without the wall-clock `detected_at`. */
  const strip = (alerts: readonly { kind: string; detected_at: string }[]) => alerts.filter((a) => priceKinds.has(a.kind)).map(({ detected_at: _d, ...a }) => a);

  it('both price kinds record into one store: each price is held once', () => {
    const engine = createDetectionEngine(createDetectors(), catalogue);
    engine.evaluate(events[0]!, 'in');
    expect(engine.stateSize()['price.outlier']).toEqual({ keys: 4, entries: events[0]!.items.length });
  });

  it('a restart that rebuilds state and then gets redelivered messages raises the same alerts', () => {
    const reference = createDetectionEngine(createDetectors(), catalogue);
    const expected = events.map((e, i) => strip(reference.evaluate(e, 'in', { seq: i + 1 }).alerts));
    expect(expected.flat().some((a) => a.kind === 'price.facility_markup')).toBe(true);
    for (let acked = 0; acked < events.length; acked++) {
      // Settlements up to `written` reached ClickHouse; only those up to `acked` were acked.
      const written = Math.min(events.length, acked + 2);
      const engine = createDetectionEngine(createDetectors(), catalogue);
      events.slice(0, written).forEach((e, i) => engine.rebuild(e, i + 1));
      for (let i = acked; i < events.length; i++) {
        expect(strip(engine.evaluate(events[i]!, 'in', { seq: i + 1 }).alerts), `acked ${acked}, event ${i}`).toEqual(expected[i]);
      }
    }
  });

  it('a draft (phase pre) is checked against everything and changes nothing', () => {
    const engine = createDetectionEngine(createDetectors(), catalogue);
    events.slice(0, 2).forEach((e) => engine.evaluate(e, 'in'));
    const before = engine.stateSize();
    const draft = { ...events[2]!, setl_id: 'DRAFT-1' };
    const alerts = engine.evaluate(draft, 'pre').alerts;
    expect(strip(alerts).map((a) => a.kind).sort()).toEqual(['price.facility_markup', 'price.outlier']);
    expect(engine.stateSize()).toEqual(before);
  });
});
