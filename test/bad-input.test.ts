/**
 * Bad input through the real pipeline (nats-server + chDB): every malformed message lands on the
 * dead-letter path with its reason (the dead-letter subject and ClickHouse), every good one is
 * processed, and the counts add up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from '@nats-io/transport-node';
import { goodSettlement, MALFORMED, malformedLine } from './support/settlements.js';
import { startTestRuntime, type TestRuntime } from './support/test-runtime.js';
import type { DeadLetter } from '../pipeline/sinks/dead-letter.js';
import { GOLDEN_CATALOGUE } from './support/paths.js';

let rt: TestRuntime;
let sub: Subscription;
const onSubject: DeadLetter[] = [];

beforeAll(async () => {
  rt = await startTestRuntime({ consumer: { batchSize: 7 }, cataloguePath: GOLDEN_CATALOGUE });
  sub = rt.nc.subscribe(rt.config.stream.deadLetterSubject, { callback: (_e, m) => {
    onSubject.push(m.json<DeadLetter>());
  } });
});
afterAll(async () => {
  sub?.unsubscribe();
  await rt?.dispose();
});

describe('bad input mixed with good', () => {
  it('dead-letters every bad message with its reason and processes every good one', async () => {
    const lines: string[] = [];
    const expected: Array<{ index: number; reason: string }> = [];
    const goodIds: string[] = [];
    MALFORMED.forEach((_m, i) => {
      const good = goodSettlement(i);
      goodIds.push(good.setl_id);
      lines.push(JSON.stringify(good));
      expected.push({ index: lines.length, reason: MALFORMED[i]!.reason });
      lines.push(malformedLine(i));
    });
    const pub = await rt.publish(lines);
    expect(pub.published).toBe(lines.length);
    expect(pub.duplicates).toBe(0);
    await rt.settle();

    const dl = await rt.query<{ stream_seq: string; reason: string; reason_zh: string; details: string[]; payload: string }>(
      'SELECT stream_seq, reason, reason_zh, details, payload FROM v_dead_letters ORDER BY stream_seq',
    );
    expect(dl).toHaveLength(MALFORMED.length);
    for (const [k, row] of dl.entries()) {
      const want = expected[k]!;
      expect(Number(row.stream_seq)).toBe(want.index + 1); // stream sequences start at 1
      expect(row.reason).toBe(want.reason);
      expect(row.reason_zh).toMatch(/[\u4e00-\u9fff]/);
      expect(row.details.length).toBeGreaterThan(0);
      expect(row.payload).toBe(lines[want.index]);
    }
    const settled = await rt.query<{ setl_id: string }>('SELECT setl_id FROM settlements FINAL ORDER BY setl_id');
    expect(settled.map((r) => r.setl_id).sort()).toEqual([...goodIds].sort());

    const status = rt.pipeline.status();
    expect(status.accepted).toBe(goodIds.length);
    expect(Object.values(status.rejected).reduce((a, b) => a + b, 0)).toBe(MALFORMED.length);
    expect(status.accepted + MALFORMED.length).toBe(lines.length);
    expect(status.deadLettersStored).toBe(MALFORMED.length);
    await rt.nc.flush();
    expect(onSubject.map((d) => d.reason)).toEqual(expected.map((e) => e.reason));
  });
});
