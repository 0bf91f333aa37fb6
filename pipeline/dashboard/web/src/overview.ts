/** 总览 (`#/overview`): charts and tables of `GET /api/overview`, refreshed every 5 s while shown. */
import type { AlertFilter, FeedStats, OverviewResponse } from '../../api-types.js';
import { api, describeError } from './api.js';
import { h, replaceChildren, type Children } from './dom.js';
import { clock, int, yuan } from './format.js';
import { KindsChart, RegionsChart, ThroughputChart } from './charts.js';

const REFRESH_MS = 5_000;

export interface OverviewHooks {
  reportError(source: string, message: string | null): void;
  /** Show the feed narrowed to a facility. */
  onFilter(filter: AlertFilter): void;
}

interface Card {
  root: HTMLElement;
  title: HTMLElement;
  body: HTMLElement;
}

function card(title: string, testid: string | null, wide = false, chart = false): Card {
  const titleEl = h('h3', null, title);
  const body = h('div', { class: chart ? 'chart' : 'card-body', 'data-testid': testid });
  return { root: h('div', { class: wide ? 'card wide' : 'card' }, titleEl, body), title: titleEl, body };
}

export class Overview {
  private timer = 0;
  private visible = false;
  private inFlight = false;
  private gen = 0;
  private resizeFrame = 0;
  private readonly kinds: KindsChart;
  private readonly throughput: ThroughputChart;
  private readonly regions: RegionsChart;
  private readonly rangeEl = h('span', { class: 'range muted' });
  private readonly updatedEl = h('span', { class: 'updated muted' });
  private readonly totals = h('div', { class: 'tiles', 'data-testid': 'totals' });
  private readonly facilities: Card;
  private readonly doctors: Card;
  private readonly dead: Card;

  constructor(
    private readonly root: HTMLElement,
    private readonly hooks: OverviewHooks,
  ) {
    const kinds = card('各类告警按日分布（事件时间）', 'chart-kinds', false, true);
    const thr = card('结算吞吐与消费积压（实时）', 'chart-throughput', false, true);
    const reg = card('各区划涉及金额', 'chart-regions', true, true);
    this.facilities = card('今日涉及金额最多的机构', null);
    this.doctors = card('今日涉及金额最多的医生', null);
    this.dead = card('死信', null);
    this.kinds = new KindsChart(kinds.body, 240);
    this.throughput = new ThroughputChart(thr.body, 240);
    this.regions = new RegionsChart(reg.body, 220);
    this.renderTotals(null);
    this.renderTables(null);

    root.replaceChildren(
      h('div', { class: 'ov-head' }, h('h2', null, '总览'), this.rangeEl, this.updatedEl),
      this.totals,
      h('div', { class: 'ov-grid' }, kinds.root, thr.root, reg.root, this.facilities.root, this.doctors.root, this.dead.root),
    );

    window.addEventListener('resize', () => {
      if (this.resizeFrame) return;
      this.resizeFrame = requestAnimationFrame(() => {
        this.resizeFrame = 0;
        if (this.visible) this.resizeCharts();
      });
    });
  }

  show(): void {
    this.root.hidden = false;
    if (this.visible) return;
    this.visible = true;
    this.resizeCharts();
    this.refresh();
    this.timer = window.setInterval(() => this.refresh(), REFRESH_MS);
  }

  hide(): void {
    this.root.hidden = true;
    if (!this.visible) return;
    this.visible = false;
    this.gen += 1;
    this.inFlight = false;
    window.clearInterval(this.timer);
    this.hooks.reportError('overview', null);
  }

  /** A live sample from the feed (charts the seconds between refreshes). */
  pushStats(stats: FeedStats): void {
    this.throughput.push(stats);
  }

  private resizeCharts(): void {
    this.kinds.resize();
    this.throughput.resize();
    this.regions.resize();
  }

  private refresh(): void {
    if (this.inFlight) return;
    this.inFlight = true;
    const gen = this.gen;
    api
      .overview()
      .then((o) => {
        if (gen !== this.gen) return;
        this.hooks.reportError('overview', null);
        this.render(o);
      })
      .catch((err: unknown) => {
        if (gen === this.gen) this.hooks.reportError('overview', describeError('加载总览失败', err));
      })
      .finally(() => {
        if (gen === this.gen) this.inFlight = false;
      });
  }

  private render(o: OverviewResponse): void {
    if (o.range) this.rangeEl.textContent = `统计区间 ${o.range.from} 至 ${o.range.to}（${o.range.days} 天，按事件时间）`;
    this.updatedEl.textContent = `更新于 ${clock(Date.now())}`;
    this.renderTotals(o);
    this.renderTables(o);
    this.kinds.update(o.alerts_by_day);
    this.throughput.update(o.throughput);
    this.regions.update(o.amount_by_region);
  }

  private renderTotals(o: OverviewResponse | null): void {
    const t = o?.totals;
    const pct = (a: number | undefined, b: number | undefined): string | null =>
      a !== undefined && b !== undefined && b > 0 ? `${((a / b) * 100).toFixed(1)}%` : null;
    const tile = (key: string, label: string, value: string, sub: string | null, cls = ''): HTMLElement =>
      h('div', { class: `tile ${cls}`, 'data-key': key }, h('div', { class: 'tile-label' }, label), h('div', { class: 'tile-value' }, value), sub ? h('div', { class: 'tile-sub muted' }, sub) : null);
    replaceChildren(
      this.totals,
      tile('alerts', '告警总数', t ? int(t.alerts) : '—', null),
      tile('amount', '涉及金额（元）', t ? yuan(t.amount) : '—', null, 'tile-amount'),
      tile('reviewed', '已复核', t ? int(t.reviewed) : '—', t ? `复核率 ${pct(t.reviewed, t.alerts) ?? '—'}` : null),
      tile('confirmed', '确认违规', t ? int(t.confirmed) : '—', t ? `占已复核 ${pct(t.confirmed, t.reviewed) ?? '—'}` : null, 'tile-confirmed'),
      tile('dead_letters', '死信', o ? int(o.dead_letters?.total) : '—', null, o && o.dead_letters?.total > 0 ? 'tile-warn' : ''),
    );
  }

  private renderTables(o: OverviewResponse | null): void {
    const today = o?.range?.to ? `今日（${o.range.to}）` : '今日';
    this.facilities.title.textContent = `${today}涉及金额最多的机构`;
    this.doctors.title.textContent = `${today}涉及金额最多的医生`;

    const fac = o?.top_facilities ?? [];
    replaceChildren(
      this.facilities.body,
      table(
        'top-facilities',
        ['#', '机构', '涉及金额（元）', '告警数'],
        fac.map((r, i) => this.clickable(r.fixmedins_code, [String(i + 1), mono(r.fixmedins_code), yuan(r.amount), int(r.alerts)])),
      ),
      empty(fac.length, o),
    );

    const docs = o?.top_doctors ?? [];
    replaceChildren(
      this.doctors.body,
      table(
        'top-doctors',
        ['#', '医生', '机构', '涉及金额（元）', '告警数'],
        docs.map((r, i) => this.clickable(r.fixmedins_code, [String(i + 1), mono(r.bilg_dr_codg || '—'), mono(r.fixmedins_code), yuan(r.amount), int(r.alerts)])),
      ),
      empty(docs.length, o),
    );

    const dl = o?.dead_letters;
    const reasons = dl?.by_reason ?? [];
    replaceChildren(
      this.dead.body,
      h(
        'div',
        { 'data-testid': 'dead-letters' },
        h('p', { class: 'dead-total' }, '死信总数 ', h('b', { class: dl && dl.total > 0 ? 'warn' : null }, dl ? int(dl.total) : '—'), ' 条'),
        table('dead-letters-by-reason', ['原因', '条数'], reasons.map((r) => h('tr', { 'data-reason': r.reason }, h('td', { title: r.reason }, r.message_zh || r.reason), h('td', { class: 'num' }, int(r.count))))),
        empty(reasons.length, o, '无死信'),
      ),
    );
  }

  private clickable(facility: string, cells: Children[]): HTMLTableRowElement {
    const last = cells.length - 1;
    const tr = h(
      'tr',
      { class: 'clickable', title: '在实时告警中筛选该机构', 'data-fixmedins-code': facility },
      cells.map((c, i) => h('td', { class: i >= last - 1 && i > 0 ? 'num' : null }, c)),
    );
    // Reachable by keyboard too: Tab to the row, Enter to filter.
    tr.tabIndex = 0;
    tr.setAttribute('aria-label', `在实时告警中筛选机构 ${facility}`);
    tr.addEventListener('click', () => this.hooks.onFilter({ fixmedins_code: facility }));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.hooks.onFilter({ fixmedins_code: facility });
      }
    });
    return tr;
  }
}

function mono(text: string): HTMLElement {
  return h('span', { class: 'mono' }, text);
}

function table(testid: string, heads: readonly string[], rows: readonly HTMLTableRowElement[]): HTMLTableElement {
  return h(
    'table',
    { class: 'grid compact', 'data-testid': testid },
    h('thead', null, h('tr', null, heads.map((t) => h('th', null, t)))),
    h('tbody', null, rows),
  );
}

function empty(n: number, o: OverviewResponse | null, text = '暂无数据'): HTMLElement | null {
  if (n > 0) return null;
  return h('p', { class: 'muted empty' }, o ? text : '加载中…');
}
