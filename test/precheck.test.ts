/**
 * The pre-event check (事前提醒) on real nats-server + chDB, over NATS (service API) and HTTP:
 * restricted items, history the stream built (HbA1c), trace codes already sold, drafts that change
 * no state, service discovery with stats, and bad drafts answered with their problems.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Svcm } from '@nats-io/services';
import type { Alert } from '../pipeline/contracts/alert.js';
import type { Settlement } from '../pipeline/contracts/settlement.js';
import type { PrecheckAnswer } from '../pipeline/precheck/precheck.js';
import { PRECHECK_SERVICE, PRECHECK_SUBJECT } from '../pipeline/precheck/precheck-service.js';
import { GOLDEN_CATALOGUE } from './support/paths.js';
import { FEMALE_ONLY_DRUG, hba1c, settlementWith } from './support/settlements.js';
import { startTestRuntime, type TestRuntime } from './support/test-runtime.js';

/** The precheck cases' person, unless a case says otherwise. */
const settlement = (id: string, over: Partial<Settlement> & Pick<Settlement, 'items'>): Settlement => settlementWith(id, { psn_no: 'PSN-PRECHECK-1', ...over });
const traced = (codes: string[]) => ({ feedetl_sn: '1', med_list_codg: 'XA10AEG999A001010100000', list_type: '101' as const, cnt: codes.length, pric: 80, det_item_fee_sumamt: 80 * codes.length, prd_days: 30, drug_trac_codg: codes });

let rt: TestRuntime;
const ask = async (draft: unknown): Promise<PrecheckAnswer> => (await rt.nc.request(PRECHECK_SUBJECT, JSON.stringify(draft), { timeout: 10_000 })).json<PrecheckAnswer>();
const askHttp = async (body: string): Promise<{ status: number; json: Record<string, unknown> }> => {
  const r = await fetch(`${rt.httpUrl}/precheck`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  rt = await startTestRuntime({ cataloguePath: GOLDEN_CATALOGUE }, { http: true });
  // History the stream builds: an HbA1c test, and a pharmacy sale of two traced packages.
  await rt.publish([
    JSON.stringify(settlement('S-HBA1C-1', { items: [hba1c('1')], setl_time: '2026-11-02T09:00:00+08:00' })),
    JSON.stringify(settlement('S-SOLD-1', { psn_no: 'PSN-PRECHECK-2', fixmedins_code: 'P32010200231', fixmedins_type: '2', med_type: '41', items: [traced(['81234567890123456001', '81234567890123456002'])] })),
  ]);
  await rt.settle();
});
afterAll(async () => {
  await rt?.dispose();
});

describe('pre-event check over NATS', () => {
  it('blocks a female-only drug drafted for a man (severity high), with a Chinese message', async () => {
    const { setl_id: _omit, ...draft } = settlement('x', { gend: '1', diag: [{ diag_code: 'N97.900' }], items: [{ feedetl_sn: '1', med_list_codg: FEMALE_ONLY_DRUG, list_type: '101', cnt: 2, pric: 18.6, det_item_fee_sumamt: 37.2, prd_days: 10 }] });
    const answer = await ask(draft);
    expect(answer.decision).toBe('block');
    const alert = answer.alerts.find((a) => a.kind === 'rx.gender_restricted')!;
    expect(alert.phase).toBe('pre');
    expect(alert.severity).toBe('high');
    expect(alert.message).toMatch(/[\u4e00-\u9fff]/);
    expect(alert.setl_id).toMatch(/^DRAFT-/);
    expect(alert.message).toContain('限女性');
  });

  it('warns instead of blocking when so configured (precheck.blockAt, rule severity)', async () => {
    const { decide } = await import('../pipeline/precheck/precheck.js');
    const high = { severity: 'high' } as Alert;
    expect(decide([high], 'high')).toBe('block');
    expect(decide([{ severity: 'medium' } as Alert], 'high')).toBe('warn');
    expect(decide([{ severity: 'medium' } as Alert], 'medium')).toBe('block');
    expect(decide([], 'low')).toBe('pass');
  });

  it('warns on a second HbA1c within 15 days, using the history the stream built', async () => {
    const answer = await ask(settlement('DRAFT-HBA1C-2', { items: [hba1c('1')], setl_time: '2026-11-07T10:00:00+08:00', fixmedins_code: 'H32010200099' }));
    const found = answer.alerts.filter((a) => a.kind === 'rx.test_frequency');
    expect(found).toHaveLength(1);
    expect(JSON.stringify(found[0]!.evidence)).toContain('S-HBA1C-1');
    expect(answer.decision).toBe('warn');
    // The same test 20 days later passes.
    expect((await ask(settlement('DRAFT-HBA1C-3', { items: [hba1c('1')], setl_time: '2026-11-22T10:00:00+08:00' }))).alerts.filter((a) => a.kind === 'rx.test_frequency')).toEqual([]);
  });

  it('blocks a trace code already sold', async () => {
    const answer = await ask(settlement('DRAFT-RESALE', { psn_no: 'PSN-OTHER', fixmedins_code: 'P32010200777', fixmedins_type: '2', med_type: '41', setl_time: '2026-11-03T09:00:00+08:00', items: [traced(['81234567890123456002'])] }));
    expect(answer.decision).toBe('block');
    const reuse = answer.alerts.find((a) => a.kind === 'reflow.trace_code_reuse')!;
    expect(JSON.stringify(reuse.evidence)).toContain('S-SOLD-1');
  });

  it('asking twice gives the same answer; a draft passes when nothing is wrong', async () => {
    const draft = settlement('DRAFT-TWICE', { items: [hba1c('1')], setl_time: '2026-11-08T10:00:00+08:00' });
    const a = await ask(draft);
    const b = await ask(draft);
    const strip = (x: PrecheckAnswer): unknown => ({ ...x, alerts: x.alerts.map(({ detected_at: _d, ...rest }) => rest) });
    expect(strip(b)).toEqual(strip(a));
    expect((await ask(settlement('DRAFT-CLEAN', { psn_no: 'PSN-NEW', items: [{ feedetl_sn: '1', med_list_codg: 'UNKNOWN-CODE', list_type: '101', cnt: 1, pric: 5, det_item_fee_sumamt: 5 }] }))).decision).toBe('pass');
  });

  it('is a discoverable NATS service whose stats count the requests', async () => {
    const client = new Svcm(rt.nc).client();
    const infos = [];
    for await (const i of await client.info(PRECHECK_SERVICE)) infos.push(i);
    expect(infos).toHaveLength(1);
    expect(infos[0]!.endpoints.map((e) => e.subject)).toEqual([PRECHECK_SUBJECT]);
    const stats = [];
    for await (const s of await client.stats(PRECHECK_SERVICE)) stats.push(s);
    expect(stats[0]!.endpoints?.[0]?.num_requests).toBeGreaterThan(0);
  });

  it('answers a bad draft with a 400 service error listing the problems', async () => {
    const r = await rt.nc.request(PRECHECK_SUBJECT, JSON.stringify({ psn_no: 'x', items: [] }), { timeout: 10_000 });
    expect(r.headers?.get('Nats-Service-Error-Code')).toBe('400');
    const body = r.json<{ problems: Array<{ reason: string; message_zh: string }> }>();
    expect(body.problems.length).toBeGreaterThan(1);
    expect(body.problems.every((p) => /[\u4e00-\u9fff]/.test(p.message_zh))).toBe(true);
  });
});

describe('pre-event check over HTTP', () => {
  it('gives the same answer as NATS for the same draft', async () => {
    const draft = settlement('DRAFT-HTTP', { items: [hba1c('1')], setl_time: '2026-11-06T10:00:00+08:00' });
    const viaNats = await ask(draft);
    const viaHttp = await askHttp(JSON.stringify(draft));
    expect(viaHttp.status).toBe(200);
    const ids = (alerts: Alert[]): string[] => alerts.map((a) => a.alert_id).sort();
    expect(viaHttp.json.decision).toBe(viaNats.decision);
    expect(ids(viaHttp.json.alerts as Alert[])).toEqual(ids(viaNats.alerts));
  });

  it('answers 400 with problems in English and Chinese for a bad draft, and for a body that is not JSON', async () => {
    const bad = await askHttp(JSON.stringify({ ...settlement('DRAFT-BAD', { items: [hba1c('1')] }), medfee_sumamt: 1 }));
    expect(bad.status).toBe(400);
    expect(bad.json.problems).toEqual([expect.objectContaining({ reason: 'total_mismatch', detail: expect.any(String), message_zh: expect.stringMatching(/[\u4e00-\u9fff]/) })]);
    const notJson = await askHttp('{oops');
    expect(notJson.status).toBe(400);
    expect((notJson.json.problems as Array<{ reason: string }>)[0]!.reason).toBe('not_json');
  });
});

describe('a draft changes no state', () => {
  it('a following settlement of the same content alerts exactly as if the check had never been asked', async () => {
    const follow = settlement('S-FOLLOW', { items: [hba1c('1')], setl_time: '2026-11-09T10:00:00+08:00', fixmedins_code: 'H32010200099' });
    const { setl_id: _omit, ...asDraft } = follow;
    for (let i = 0; i < 3; i++) await ask(asDraft);
    await rt.publish([JSON.stringify(follow)]);
    await rt.settle();
    const withChecks = (await rt.alerts()).filter((a) => a.setl_id === 'S-FOLLOW').map(({ detected_at: _d, ...a }) => a);

    // The same stream without any pre-event check (chDB holds one directory per process: close the first).
    await rt.dispose();
    rt = undefined as unknown as TestRuntime;
    const fresh = await startTestRuntime({ cataloguePath: GOLDEN_CATALOGUE });
    try {
      await fresh.publish([
        JSON.stringify(settlement('S-HBA1C-1', { items: [hba1c('1')], setl_time: '2026-11-02T09:00:00+08:00' })),
        JSON.stringify(settlement('S-SOLD-1', { psn_no: 'PSN-PRECHECK-2', fixmedins_code: 'P32010200231', fixmedins_type: '2', med_type: '41', items: [traced(['81234567890123456001', '81234567890123456002'])] })),
        JSON.stringify(follow),
      ]);
      await fresh.settle();
      const without = (await fresh.alerts()).filter((a) => a.setl_id === 'S-FOLLOW').map(({ detected_at: _d, ...a }) => a);
      expect(withChecks.length).toBeGreaterThan(0);
      expect(withChecks).toEqual(without);
    } finally {
      await fresh.dispose();
    }
  });
});
