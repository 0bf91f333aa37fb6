/** The alert detail panel (`#/alert/<id>`): message, facts, evidence, settlements, related alerts, review. */
import type { AlertDetailResponse, AlertFilter, AlertSummary, ItemView, Review, SettlementView } from '../../api-types.js';
import { api, ApiError, describeError } from './api.js';
import { alertHref, h, type Children } from './dom.js';
import { dateMinute, dateTime, int, num, price, shortDateTime, yuan } from './format.js';
import { renderEvidence } from './evidence.js';
import {
  coded,
  decisionBadge,
  FIXMEDINS_TYPE_NAMES,
  kindCell,
  kindName,
  LIST_TYPE_NAMES,
  MED_TYPE_NAMES,
  phaseName,
  SETL_TYPE_NAMES,
  severityBadge,
  SEX_NAMES,
} from './labels.js';
import { renderReview } from './review.js';

export interface DetailHooks {
  authRequired(): boolean;
  onReviewed(review: Review): void;
  /** Narrows the feed (e.g. to this facility). */
  onFilter(filter: AlertFilter): void;
}

const MAX_TRACE_CODES = 2;

export class Detail {
  private gen = 0;
  private current: string | null = null;
  /** Where the keyboard focus was before the panel opened: it goes back there on close. */
  private returnFocus: HTMLElement | null = null;

  constructor(
    private readonly panel: HTMLElement,
    private readonly hooks: DetailHooks,
  ) {
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || this.panel.hidden) return;
      const t = e.target as Element | null;
      if (t && t.closest('input, textarea, select')) return;
      location.hash = '#/';
    });
  }

  get alertId(): string | null {
    return this.current;
  }

  open(alertId: string): void {
    const gen = ++this.gen;
    if (this.current === null && document.activeElement instanceof HTMLElement && !this.panel.contains(document.activeElement)) this.returnFocus = document.activeElement;
    this.current = alertId;
    this.panel.hidden = false;
    this.panel.tabIndex = -1;
    this.panel.replaceChildren(this.head(null), h('p', { class: 'muted loading' }, '加载中…'));
    this.panel.scrollTop = 0;
    // Keyboard and screen-reader users land in the panel they opened (Esc or ✕ brings them back).
    this.panel.focus({ preventScroll: true });
    api
      .alert(alertId)
      .then((d) => {
        if (gen === this.gen) this.render(d, gen);
      })
      .catch((err: unknown) => {
        if (gen !== this.gen) return;
        const notFound = err instanceof ApiError && err.status === 404;
        this.panel.replaceChildren(
          this.head(null),
          h(
            'div',
            { class: notFound ? 'not-found' : 'error-box', 'data-testid': notFound ? 'detail-not-found' : 'detail-error' },
            notFound ? '未找到该告警' : describeError('加载告警详情失败', err),
            h('div', { class: 'muted mono' }, alertId),
          ),
        );
      });
  }

  close(): void {
    const wasOpen = this.current !== null;
    this.gen += 1;
    this.current = null;
    const hadFocus = this.panel.contains(document.activeElement);
    this.panel.hidden = true;
    this.panel.textContent = '';
    if (wasOpen && hadFocus && this.returnFocus?.isConnected) this.returnFocus.focus({ preventScroll: true });
    this.returnFocus = null;
  }

  private head(d: AlertDetailResponse | null): HTMLElement {
    const a = d?.alert;
    return h(
      'div',
      { class: 'detail-head' },
      h(
        'div',
        { class: 'detail-badges' },
        a ? severityBadge(a.severity) : null,
        a ? kindCell(a.kind) : h('span', { class: 'muted' }, '告警详情'),
        a ? h('span', { class: 'badge phase' }, phaseName(a.phase)) : null,
        h('span', { class: 'detail-decision', 'data-testid': 'detail-decision' }, a?.review ? decisionBadge(a.review) : null),
      ),
      h('a', { class: 'close', href: '#/', title: '关闭（Esc）', 'aria-label': '关闭' }, '✕'),
    );
  }

  private render(d: AlertDetailResponse, gen: number): void {
    const a = d.alert;
    const head = this.head(d);
    const filterBtn = (label: string, filter: AlertFilter): HTMLButtonElement => {
      const b = h('button', { type: 'button', class: 'link-btn', title: '在实时告警中筛选' }, label);
      b.addEventListener('click', () => this.hooks.onFilter(filter));
      return b;
    };
    const facts: [string, Children][] = [
      ['类别', [kindName(a.kind), ' ', h('small', { class: 'code' }, a.kind)]],
      ['严重度', severityBadge(a.severity)],
      ['评分', num(a.score)],
      ['涉及金额', h('b', { class: 'amount' }, `${yuan(a.amount_at_risk)} 元`)],
      ['事件时间', dateTime(a.event_time)],
      ['检出时间', dateTime(a.detected_at)],
      ['检测器', h('span', { class: 'mono' }, a.detector ?? '—')],
      ['阶段', phaseName(a.phase)],
      ['结算号', h('span', { class: 'mono' }, a.setl_id)],
      ['人员编号', [h('span', { class: 'mono' }, a.psn_no), ' ', a.psn_no ? filterBtn('筛选', { q: a.psn_no }) : null]],
      ['机构', [h('span', { class: 'mono' }, a.fixmedins_code), ' ', a.fixmedins_code ? filterBtn('筛选', { fixmedins_code: a.fixmedins_code }) : null]],
      ['区划', [h('span', { class: 'mono' }, a.admdvs), ' ', a.admdvs ? filterBtn('筛选', { admdvs: a.admdvs }) : null]],
    ];
    if (a.med_list_codg) facts.push(['项目编码', h('span', { class: 'mono' }, a.med_list_codg)]);
    if (a.feedetl_sn) facts.push(['明细流水号', h('span', { class: 'mono' }, a.feedetl_sn)]);
    if (a.bilg_dr_codg) facts.push(['开单医生', h('span', { class: 'mono' }, a.bilg_dr_codg)]);

    const decisionSlot = head.querySelector<HTMLElement>('[data-testid="detail-decision"]');
    const review = renderReview({
      alertId: a.alert_id,
      reviews: Array.isArray(d.reviews) ? d.reviews : [],
      authRequired: () => this.hooks.authRequired(),
      isCurrent: () => gen === this.gen,
      onSaved: (r) => {
        decisionSlot?.replaceChildren(decisionBadge(r.decision));
        this.hooks.onReviewed(r);
      },
    });

    const others = (list: readonly AlertSummary[] | undefined): AlertSummary[] => (Array.isArray(list) ? list.filter((x) => x.alert_id !== a.alert_id) : []);

    this.panel.replaceChildren(
      head,
      h('p', { class: 'detail-message', 'data-testid': 'detail-message' }, a.message),
      h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
      section('证据', h('div', { class: 'table-wrap' }, withHook(renderEvidence(a.evidence), 'evidence'))),
      section('关联结算', relatedTable(d.related_settlements ?? []), '证据涉及的其他结算：同一追溯码的前次结算、重叠的住院等'),
      section('本次结算', settlementFacts(d.settlement)),
      section(`费用明细（${d.items?.length ?? 0} 条）`, itemsTable(d.items ?? [], a.feedetl_sn)),
      section('该人员其他告警', alertList(others(d.person_alerts), 'person-alerts')),
      section('该机构其他告警', alertList(others(d.facility_alerts), 'facility-alerts')),
      review,
    );
  }
}

function withHook<T extends HTMLElement>(el: T, testid: string): T {
  el.dataset['testid'] = testid;
  return el;
}

function section(title: string, body: Node, hint?: string): HTMLElement {
  return h('section', { class: 'panel-section' }, h('h3', null, title, hint ? h('small', { class: 'muted hint' }, hint) : null), body);
}

function span(begin: string | null, end: string | null): string {
  if (!begin && !end) return '—';
  return `${begin ? dateMinute(begin) : '?'} – ${end ? dateMinute(end) : '?'}`;
}

function relatedTable(list: readonly SettlementView[]): HTMLElement {
  const table = h(
    'table',
    { class: 'grid compact', 'data-testid': 'related' },
    h('thead', null, h('tr', null, ['结算号', '机构', '结算时间', '入院 – 出院', '医疗费总额', '医疗类别'].map((t, i) => h('th', { class: i === 4 ? 'num' : null }, t)))),
    h(
      'tbody',
      null,
      list.map((s) =>
        h(
          'tr',
          { 'data-setl-id': s.setl_id },
          h('td', { class: 'mono' }, s.setl_id),
          h('td', { class: 'mono' }, s.fixmedins_code),
          h('td', null, dateTime(s.setl_time)),
          h('td', null, span(s.begntime, s.endtime)),
          h('td', { class: 'num' }, yuan(s.medfee_sumamt)),
          h('td', null, coded(MED_TYPE_NAMES, s.med_type)),
        ),
      ),
    ),
  );
  return h('div', { class: 'table-wrap' }, table, list.length === 0 ? h('p', { class: 'muted empty' }, '无关联结算') : null);
}

function settlementFacts(s: SettlementView | null): HTMLElement {
  if (!s) return h('p', { class: 'muted' }, '该结算尚未写入数据库');
  const rows: [string, Children][] = [
    ['结算号', h('span', { class: 'mono' }, s.setl_id)],
    ['结算类型', [coded(SETL_TYPE_NAMES, s.setl_type), s.orig_setl_id ? h('span', { class: 'muted' }, `（原结算 ${s.orig_setl_id}）`) : null]],
    ['就诊号', h('span', { class: 'mono' }, s.mdtrt_id || '—')],
    ['人员编号', h('span', { class: 'mono' }, s.psn_no)],
    ['性别 / 出生日期', `${coded(SEX_NAMES, s.gend)} / ${s.brdy || '—'}`],
    ['区划', h('span', { class: 'mono' }, s.admdvs)],
    ['机构', [h('span', { class: 'mono' }, s.fixmedins_code), ' ', h('span', { class: 'muted' }, coded(FIXMEDINS_TYPE_NAMES, s.fixmedins_type))]],
    ['医疗类别', coded(MED_TYPE_NAMES, s.med_type)],
    ['结算时间', dateTime(s.setl_time)],
    ['入院 – 出院', span(s.begntime, s.endtime)],
    ['诊断', s.diag_codes?.length ? h('span', { class: 'chips' }, s.diag_codes.map((c) => h('span', { class: 'chip mono' }, c))) : '—'],
    ['医疗费总额', `${yuan(s.medfee_sumamt)} 元`],
    ['基金支付', `${yuan(s.fund_pay_sumamt)} 元`],
    ['明细条数', int(s.item_count)],
  ];
  return h('dl', { class: 'facts', 'data-testid': 'settlement' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

function traceCodes(codes: readonly string[] | undefined): Node | string {
  if (!codes || codes.length === 0) return '';
  const shown = codes.slice(0, MAX_TRACE_CODES);
  return h(
    'span',
    { class: 'chips', title: codes.join('\n') },
    shown.map((c) => h('span', { class: 'chip mono' }, c)),
    codes.length > shown.length ? h('span', { class: 'muted' }, ` 共 ${codes.length} 个`) : null,
  );
}

function itemsTable(items: readonly ItemView[], hitSn: string | undefined): HTMLElement {
  const heads = ['明细号', '编码', '名称', '类别', '数量', '单价', '金额', '天数', '开单医生', '追溯码'];
  const numeric = new Set([4, 5, 6, 7]);
  const table = h(
    'table',
    { class: 'grid compact items', 'data-testid': 'items' },
    h('thead', null, h('tr', null, heads.map((t, i) => h('th', { class: numeric.has(i) ? 'num' : null }, t)))),
    h(
      'tbody',
      null,
      items.map((it) => {
        const hit = !!hitSn && it.feedetl_sn === hitSn;
        return h(
          'tr',
          { class: hit ? 'hit' : null, 'data-feedetl-sn': it.feedetl_sn, 'data-hit': hit ? '1' : null, title: hit ? '告警所涉明细' : null },
          h('td', { class: 'mono' }, it.feedetl_sn),
          h('td', { class: 'mono' }, it.med_list_codg),
          h('td', { class: 'wrap' }, it.name ?? h('span', { class: 'muted' }, '（目录外）')),
          h('td', null, LIST_TYPE_NAMES[it.list_type] ?? it.list_type ?? ''),
          h('td', { class: 'num' }, num(it.cnt)),
          h('td', { class: 'num' }, price(it.pric)),
          h('td', { class: 'num' }, yuan(it.det_item_fee_sumamt)),
          h('td', { class: 'num' }, it.prd_days === null || it.prd_days === undefined ? '' : String(it.prd_days)),
          h('td', { class: 'mono' }, it.bilg_dr_codg ?? ''),
          h('td', { class: 'wrap' }, traceCodes(it.drug_trac_codg)),
        );
      }),
    ),
  );
  return h('div', { class: 'table-wrap' }, table, items.length === 0 ? h('p', { class: 'muted empty' }, '无费用明细') : null);
}

function alertList(list: readonly AlertSummary[], testid: string): HTMLElement {
  const ul = h(
    'ul',
    { class: 'alert-list', 'data-testid': testid },
    list.map((x) =>
      h(
        'li',
        { 'data-alert-id': x.alert_id },
        h(
          'a',
          { href: alertHref(x.alert_id), title: x.message },
          h('span', { class: 'al-time' }, shortDateTime(x.event_time)),
          severityBadge(x.severity),
          h('span', { class: 'al-kind' }, kindName(x.kind)),
          h('span', { class: 'al-amt num' }, yuan(x.amount_at_risk)),
          x.review ? decisionBadge(x.review) : null,
          h('span', { class: 'al-msg' }, x.message),
        ),
      ),
    ),
  );
  return h('div', null, ul, list.length === 0 ? h('p', { class: 'muted empty' }, '无') : null);
}
