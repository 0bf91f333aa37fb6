/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core (never a browser
 * download), against a real pipeline (nats-server + chDB) fed by the simulator, with a credential
 * configured. The page loads without a console error; an alert from a settlement published during
 * the test appears in the live feed; a filter narrows the feed; the detail shows the evidence;
 * confirming an alert writes the review row to ClickHouse; an unauthenticated request is refused.
 * Screenshots of the feed, a detail and the overview go to `test/artifacts/screenshots/`, and to
 * `docs/img/` (the README's) with `YB_UPDATE_SCREENSHOTS=1`.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadCatalogue } from '../pipeline/catalogue/catalogue.js';
import { alertSubject, type Alert } from '../pipeline/contracts/alert.js';
import type { MetaResponse } from '../pipeline/dashboard/api-types.js';
import { simulate } from '../scripts/simulator/traffic.js';
import { DASHBOARD_DIST } from '../pipeline/dashboard/dashboard-routes.js';
import { femaleOnly, hba1c, settlementWith as settlement } from './support/settlements.js';
import { REPO_ROOT } from './support/paths.js';
import { startTestRuntime, type TestRuntime } from './support/test-runtime.js';

const CHROMIUM = '/usr/bin/chromium';
const USER = 'monitor';
const PASSWORD = 'correct-horse-battery';
const SHOTS = join(REPO_ROOT, 'test', 'artifacts', 'screenshots');
const README_SHOTS = join(REPO_ROOT, 'docs', 'img');

let rt: TestRuntime;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

async function screenshot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, name);
  await page.screenshot({ path: file, fullPage: false });
  expect(existsSync(file)).toBe(true);
  if (process.env.YB_UPDATE_SCREENSHOTS) {
    mkdirSync(README_SHOTS, { recursive: true });
    copyFileSync(file, join(README_SHOTS, name));
  }
}

beforeAll(async () => {
  if (!existsSync(join(DASHBOARD_DIST, 'index.html'))) throw new Error('dashboard page not built: run `npm run build:web` (npm test does)');
  rt = await startTestRuntime({ http: { credential: `${USER}:${PASSWORD}` } }, { http: true });
  // A week of simulated traffic (every kind injected), then two settlements whose alerts the tests open.
  const catalogue = loadCatalogue(undefined);
  const lines = [...simulate({ seed: 7, settlements: 3000, startTime: '2026-11-01T08:00:00+08:00', spanDays: 7, catalogue })].map((r) => JSON.stringify(r.settlement));
  lines.push(
    JSON.stringify(settlement('S-BROWSER-HBA1C-1', { psn_no: 'PSN-BROWSER-1', items: [hba1c('1')], setl_time: '2026-11-02T09:00:00+08:00' })),
    JSON.stringify(settlement('S-BROWSER-HBA1C-2', { psn_no: 'PSN-BROWSER-1', items: [hba1c('1')], setl_time: '2026-11-06T09:00:00+08:00' })),
  );
  await rt.publish(lines);
  await rt.settle();
  browser = await chromium.launch({ executablePath: CHROMIUM });
  context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await rt?.dispose();
});

describe('access', () => {
  it('refuses every page and API without the credential, and with a wrong one', async () => {
    for (const path of ['/', '/api/meta', '/api/alerts', '/api/overview', '/api/feed', '/metrics', '/healthz']) {
      const r = await fetch(`${rt.httpUrl}${path}`);
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    const post = await fetch(`${rt.httpUrl}/precheck`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(401);
    const wrong = await fetch(`${rt.httpUrl}/api/meta`, { headers: { authorization: `Basic ${Buffer.from(`${USER}:wrong-password-123`).toString('base64')}` } });
    expect(wrong.status).toBe(401);
    // The browser without the credential: headless Chromium turns the 401 challenge into a failed
    // navigation (no prompt to answer), and its request API sees the 401 itself.
    const anonymous = await browser.newContext();
    try {
      await expect((await anonymous.newPage()).goto(`${rt.httpUrl}/`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      expect((await anonymous.request.get(`${rt.httpUrl}/api/alerts`)).status()).toBe(401);
    } finally {
      await anonymous.close();
    }
  });
});

describe('live feed', () => {
  it('loads with no console error and lists the alerts', async () => {
    const response = await page.goto(`${rt.httpUrl}/`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
    await page.waitForSelector('[data-testid="feed-status"]:has-text("已连接")', { timeout: 20_000 });
    expect(await page.locator('[data-testid="feed-rows"] tr[data-alert-id]').count()).toBeGreaterThan(10);
    expect(consoleErrors).toEqual([]);
  });

  it('shows an alert from a settlement published during the test', async () => {
    await rt.publish([JSON.stringify(settlement('S-BROWSER-LIVE-1', { psn_no: 'PSN-BROWSER-2', gend: '1', setl_time: '2026-11-07T10:00:00+08:00', items: [femaleOnly('1')] }))]);
    const row = page.locator('[data-testid="feed-rows"] tr[data-kind="rx.gender_restricted"]', { hasText: 'S-BROWSER-LIVE-1' });
    await row.first().waitFor({ timeout: 15_000 });
    // The once-a-second stats (settlements/s, lag) have reached the status line.
    await expect.poll(() => page.locator('[data-testid="feed-status"]').innerText(), { timeout: 10_000 }).toMatch(/结算\/秒\s*\d/);
    await screenshot('dashboard-feed.png');
  });

  it('caps a flood of alerts, aggregates the rest by kind and says so', async () => {
    // 3,000 alerts onto the live feed at once (straight onto NATS, as a flood of detections would
    // arrive): far more than one flush may send.
    for (let i = 0; i < 3000; i++) {
      const alert: Alert = {
        alert_id: `FLOOD-${i}`, kind: i % 3 ? 'rx.high_amount' : 'price.outlier', phase: 'in', severity: 'low', score: 1.2,
        setl_id: `S-FLOOD-${i}`, psn_no: `PSN-FLOOD-${i % 50}`, fixmedins_code: 'H11010500001', admdvs: '110105',
        amount_at_risk: 4800, event_time: '2026-11-07T12:00:00+08:00', detected_at: new Date().toISOString(),
        detector: 'rules@1', evidence: {}, message: `门诊结算医疗费总额 4800.00 元（洪峰测试 ${i}）。`,
      };
      rt.nc.publish(alertSubject(alert), JSON.stringify(alert));
    }
    await rt.nc.flush();
    const notice = page.locator('[data-testid="flood-notice"]');
    await notice.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await notice.innerText()).toMatch(/洪峰/);
    await expect.poll(() => page.locator('[data-testid="feed-rows"] tr[data-alert-id^="FLOOD-"]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const meta = (await (await context.request.get(`${rt.httpUrl}/api/meta`)).json()) as MetaResponse;
    expect(await page.locator('[data-testid="feed-rows"] tr[data-alert-id]').count()).toBeLessThanOrEqual(meta.feed.maxRows);
    // The newest flood alert is on screen; most of the flood is counted, not rendered.
    expect(await page.locator('[data-testid="feed-rows"] tr[data-alert-id^="FLOOD-"]').count()).toBeLessThan(3000);
    expect(consoleErrors).toEqual([]);
  });

  it('narrows the feed with a filter', async () => {
    const rows = page.locator('[data-testid="feed-rows"] tr[data-alert-id]');
    const before = await rows.count();
    await page.selectOption('[data-testid="filters"] select[name="kind"]', 'rx.test_frequency');
    // Evaluated in the page (a string, so this file needs no DOM typings).
    await page.waitForFunction(
      `(() => { const all = [...document.querySelectorAll('[data-testid="feed-rows"] tr[data-alert-id]')];
        return all.length > 0 && all.every((r) => r.getAttribute('data-kind') === 'rx.test_frequency'); })()`,
      undefined,
      { timeout: 15_000 },
    );
    const after = await rows.count();
    expect(after).toBeLessThan(before);
    const kinds = await rows.evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-kind')))]);
    expect(kinds).toEqual(['rx.test_frequency']);
  });
});

describe('alert detail and review', () => {
  it('shows the evidence, the earlier settlement it names and the items', async () => {
    await page.locator('[data-testid="filters"] input[name="q"]').fill('S-BROWSER-HBA1C-2');
    await page.click('[data-testid="apply-filters"]');
    const row = page.locator('[data-testid="feed-rows"] tr[data-kind="rx.test_frequency"]', { hasText: 'S-BROWSER-HBA1C-2' });
    await row.first().waitFor({ timeout: 15_000 });
    await row.first().click();
    const detail = page.locator('[data-testid="detail"]');
    await detail.locator('[data-testid="evidence"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => detail.locator('[data-testid="detail-message"]').innerText()).toMatch(/糖化血红蛋白/);
    const evidence = await detail.locator('[data-testid="evidence"]').innerText();
    expect(evidence).toContain('超频次');
    expect(evidence).toContain('S-BROWSER-HBA1C-1');
    expect(await detail.locator('[data-testid="related"]').innerText()).toContain('S-BROWSER-HBA1C-1');
    expect(await detail.locator('[data-testid="items"]').innerText()).toContain('002503020030000');
    await screenshot('dashboard-detail.png');
  });

  it('confirming the alert writes the review row to ClickHouse', async () => {
    const alertId = await page.locator('[data-testid="feed-rows"] tr[data-kind="rx.test_frequency"]', { hasText: 'S-BROWSER-HBA1C-2' }).first().getAttribute('data-alert-id');
    expect(alertId).toBeTruthy();
    const form = page.locator('[data-testid="review-form"]');
    const decision = form.locator('[name="decision"]');
    if ((await decision.first().evaluate((e) => e.tagName)) === 'SELECT') await decision.selectOption('confirmed');
    else await form.locator('[name="decision"][value="confirmed"]').check();
    await form.locator('textarea[name="note"]').fill('4 天内重复检测，无临床必要');
    await form.locator('button[type="submit"]').click();
    await page.locator('[data-testid="reviews"] li[data-decision="confirmed"]').first().waitFor({ timeout: 15_000 });
    const rows = await rt.query<{ decision: string; note: string; reviewer: string; auth_user: string; kind: string }>(
      `SELECT decision, note, reviewer, auth_user, kind FROM alert_reviews WHERE alert_id = '${alertId}'`,
    );
    expect(rows).toEqual([{ decision: 'confirmed', note: '4 天内重复检测，无临床必要', reviewer: USER, auth_user: USER, kind: 'rx.test_frequency' }]);
  });
});

describe('filters from the detail, and a filter the server refuses', () => {
  it("the detail's facility 筛选 shows exactly that facility's alerts (the search is cleared)", async () => {
    const detail = page.locator('[data-testid="detail"]');
    const facility = (await detail.locator('dd', { has: page.locator('button.link-btn') }).nth(1).locator('.mono').innerText()).trim();
    expect(facility).toMatch(/^H\d+/);
    await detail.locator('dd', { has: page.locator('button.link-btn') }).nth(1).locator('button.link-btn').click();
    expect(await page.locator('[data-testid="filters"] input[name="q"]').inputValue()).toBe('');
    expect(await page.locator('[data-testid="filters"] input[name="fixmedins_code"]').inputValue()).toBe(facility);
    await page.waitForFunction(
      `(() => { const all = [...document.querySelectorAll('[data-testid="feed-rows"] tr[data-alert-id]')];
        return all.length > 1 && all.every((r) => r.querySelector('td.c-fac')?.textContent === ${JSON.stringify(facility)}); })()`,
      undefined,
      { timeout: 15_000 },
    );
  });

  it('says in Chinese why a search is refused, and does not keep reconnecting', async () => {
    await page.goto(`${rt.httpUrl}/#/`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
    const errorsBefore = consoleErrors.length;
    const feedRequests: string[] = [];
    const onRequest = (r: { url(): string }): void => {
      if (r.url().includes('/api/feed')) feedRequests.push(r.url());
    };
    page.on('request', onRequest);
    try {
      await page.locator('[data-testid="filters"] input[name="q"]').fill('S 1 / 2');
      await page.click('[data-testid="apply-filters"]');
      const error = page.locator('[data-testid="error"]');
      await error.waitFor({ state: 'visible', timeout: 15_000 });
      expect(await error.innerText()).toMatch(/筛选条件 q 含有无效字符或过长/);
      await expect.poll(() => page.locator('[data-testid="feed-status"] .conn').innerText(), { timeout: 10_000 }).toBe('筛选条件无效，未连接');
      // One refused stream, not one every few seconds: watched for longer than the page's 5 s
      // reopen delay (an absence can only be observed over time).
      const settled = feedRequests.length;
      await page.waitForTimeout(6_000);
      expect(feedRequests.length).toBe(settled);
      expect(settled).toBeLessThanOrEqual(1);
    } finally {
      page.off('request', onRequest);
    }
    // Chromium logs the refused requests themselves (the list's and the stream's 400), and nothing else.
    const provoked = consoleErrors.splice(errorsBefore);
    expect(provoked.length).toBeGreaterThan(0);
    expect(provoked.every((e) => /status of 400/.test(e))).toBe(true);
    await page.click('[data-testid="reset-filters"]');
    await page.waitForSelector('[data-testid="feed-status"] .conn:has-text("已连接")', { timeout: 15_000 });
    await expect.poll(() => page.locator('[data-testid="error"]').isHidden()).toBe(true);
  });
});

describe('overview', () => {
  it('draws the charts and tables with no console error', async () => {
    await page.click('a[href="#/overview"]');
    const overview = page.locator('[data-testid="overview"]');
    await overview.locator('[data-testid="chart-kinds"] canvas').first().waitFor({ timeout: 15_000 });
    await overview.locator('[data-testid="chart-regions"] canvas').first().waitFor({ timeout: 15_000 });
    await overview.locator('[data-testid="chart-throughput"] canvas').first().waitFor({ timeout: 15_000 });
    await expect.poll(() => overview.locator('[data-testid="top-facilities"] tr').count()).toBeGreaterThan(1);
    expect(await overview.locator('[data-testid="totals"]').innerText()).toMatch(/\d/);
    await screenshot('dashboard-overview.png');
    expect(consoleErrors).toEqual([]);
  });
});
