/**
 * The live feed: the Server-Sent Events stream (`GET /api/feed`) and the alert list
 * (`GET /api/alerts`) with the same filter. The list is loaded on the stream's `hello`, which the
 * server sends once this browser is registered for the feed, so no alert falls between the two;
 * batches that arrive before the list wait, then go on top of it. Every later `hello` (the stream
 * came back after an outage) reloads the list, so what was missed meanwhile is shown. Rows are built
 * once each and prepended per batch; the oldest are removed beyond `meta.feed.maxRows`.
 */
import type { AlertFilter, AlertSummary, FeedBatch, FeedStats, MetaResponse, ReviewDecision } from '../../api-types.js';
import { api, ApiError, describeError } from './api.js';
import { alertHref, h } from './dom.js';
import { int, oneDecimal, shortDateTime, yuan } from './format.js';
import { decisionBadge, kindCell, kindName, phaseName, severityBadge } from './labels.js';

/** The flood notice stays this long after the last batch with dropped alerts. */
const FLOOD_HOLD_MS = 10_000;
/** During a flood, the table is updated at most once per this many ms, with at most this many new rows. */
const FLOOD_RENDER_MS = 1000;
const FLOOD_ROWS_PER_RENDER = 50;
/** At most this many new rows per frame get the arrival highlight. */
const FRESH_MAX = 10;
/** When the server closes the stream for good (e.g. an error status), reopen after this long. */
const REOPEN_MS = 5_000;
/** A list that failed to load (server or ClickHouse down) is asked again after this long. */
const LIST_RETRY_MS = 5_000;

type ConnState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'refused';
const CONN_TEXT: Record<ConnState, string> = {
  idle: '未连接',
  connecting: '连接中…',
  open: '已连接',
  reconnecting: '重连中…',
  closed: '连接已断开，稍后重试…',
  refused: '筛选条件无效，未连接',
};

export interface FeedElements {
  tbody: HTMLTableSectionElement;
  status: HTMLElement;
  flood: HTMLElement;
  empty: HTMLElement;
}

export interface FeedHooks {
  /** Sets (message) or clears (null) the page error line for `source`. */
  reportError(source: string, message: string | null): void;
  onStats?(stats: FeedStats): void;
}

function parseData<T>(ev: Event): T | null {
  if (!(ev instanceof MessageEvent) || typeof ev.data !== 'string') return null;
  try {
    return JSON.parse(ev.data) as T;
  } catch {
    return null;
  }
}

export class Feed {
  private readonly rows = new Map<string, HTMLTableRowElement>();
  /** Rows kept, and rows the list asks for (`meta.feed.maxRows`). */
  private maxRows = 200;
  private es: EventSource | null = null;
  private gen = 0;
  private filter: AlertFilter = {};
  /** The list of this generation is on screen (until then, live batches wait in `pending`). */
  private listed = false;
  /** The list of this generation failed: a later `hello` or the retry timer loads it again. */
  private listFailed = false;
  private listTimer = 0;
  private listSeq = 0;
  /** Resolves the promise `load()` returned, once the first list of its generation is settled. */
  private onListed: (() => void) | null = null;
  private pending: AlertSummary[] = [];
  /** The pending table update (a timer), 0 when none. */
  private frame = 0;
  private lastRender = 0;
  private conn: ConnState = 'idle';
  private received = 0;
  private matched = 0;
  private dropped = 0;
  /** Alerts the server could not buffer during a flood (filter unknown). */
  private lost = 0;
  private readonly byKind = new Map<string, number>();
  private listTotal: number | null = null;
  private loading = false;
  private floodTimer = 0;
  private reopenTimer = 0;
  private selected: string | null = null;
  private readonly statusParts;

  constructor(
    private readonly el: FeedElements,
    private readonly hooks: FeedHooks,
  ) {
    const b = (): HTMLElement => h('b');
    this.statusParts = {
      // Only the connection state is announced (the figures beside it change every second).
      conn: h('span', { class: 'conn conn-idle', role: 'status', 'aria-live': 'polite' }, CONN_TEXT.idle),
      received: b(),
      extra: h('span', { class: 'muted' }),
      sps: b(),
      aps: b(),
      lag: b(),
      dead: b(),
      list: h('span', { class: 'muted' }),
    };
    const p = this.statusParts;
    el.status.replaceChildren(
      p.conn,
      h('span', { class: 'stat' }, '本次连接收到 ', p.received, ' 条告警', p.extra),
      h('span', { class: 'stat' }, '结算/秒 ', p.sps),
      h('span', { class: 'stat' }, '告警/秒 ', p.aps),
      h('span', { class: 'stat' }, '消费积压 ', p.lag),
      h('span', { class: 'stat stat-dead' }, '死信 ', p.dead),
      h('span', { class: 'stat stat-list' }, p.list),
    );
    this.renderCounters();
    this.renderStats(null);

    el.tbody.addEventListener('click', (e) => {
      const target = e.target as Element | null;
      if (!target || target.closest('a')) return; // links navigate by themselves
      const tr = target.closest<HTMLTableRowElement>('tr[data-alert-id]');
      const id = tr?.dataset['alertId'];
      if (id) location.hash = alertHref(id);
    });
    window.addEventListener('pagehide', () => this.closeStream());
    // Back from the back/forward cache: the stream was closed on pagehide.
    window.addEventListener('pageshow', (e) => {
      if (e.persisted) void this.load(this.filter);
    });
  }

  setMeta(meta: MetaResponse): void {
    if (Number.isInteger(meta.feed.maxRows) && meta.feed.maxRows > 0) this.maxRows = meta.feed.maxRows;
  }

  /**
   * Shows `filter`: opens the live stream, and loads the list once the server has registered this
   * browser (its `hello`). Resolves once that first list is on screen, or has failed (said on the
   * error line).
   */
  load(filter: AlertFilter): Promise<void> {
    const gen = ++this.gen;
    this.filter = filter;
    this.onListed?.();
    this.closeStream();
    this.clearRows();
    this.resetCounters();
    window.clearTimeout(this.listTimer);
    // A request of an earlier generation may still be in flight: it will not render.
    this.loading = false;
    this.listed = false;
    this.listFailed = false;
    this.listTotal = null;
    this.renderEmpty();
    this.renderCounters();
    const listed = new Promise<void>((resolve) => (this.onListed = resolve));
    this.openStream(filter, gen);
    return listed;
  }

  /** Loads (or reloads) the list of generation `gen`; batches received meanwhile go on top of it. */
  private async loadList(gen: number): Promise<void> {
    const seq = ++this.listSeq;
    /** Only the newest request of the current generation renders. */
    const current = (): boolean => gen === this.gen && seq === this.listSeq;
    window.clearTimeout(this.listTimer);
    // Live batches wait for the list from now on (a reload replaces the rows on screen).
    this.listed = false;
    if (this.frame) window.clearTimeout(this.frame);
    this.frame = 0;
    this.loading = true;
    this.renderEmpty();
    try {
      const list = await api.alerts(this.filter, this.maxRows);
      if (!current()) return;
      this.hooks.reportError('list', null);
      this.listFailed = false;
      this.rows.clear();
      this.el.tbody.textContent = '';
      this.listTotal = list.total;
      this.insert(Array.isArray(list.alerts) ? list.alerts : [], false);
    } catch (err) {
      if (!current()) return;
      this.hooks.reportError('list', describeError('加载告警列表失败', err));
      this.listFailed = true;
      if (err instanceof ApiError && err.status === 400) {
        // The server refuses this filter: the stream would be refused too, again and again.
        this.closeStream();
        this.setConn('refused');
      } else {
        this.listTimer = window.setTimeout(() => {
          if (gen === this.gen && this.listFailed) void this.loadList(gen);
        }, LIST_RETRY_MS);
      }
    }
    this.loading = false;
    this.listed = true;
    if (this.pending.length && !this.frame) this.scheduleFlush(0);
    this.renderEmpty();
    this.renderCounters();
    this.onListed?.();
    this.onListed = null;
  }

  /** Marks the row of the alert shown in the detail panel. */
  setSelected(alertId: string | null): void {
    if (this.selected) this.rows.get(this.selected)?.classList.remove('selected');
    this.selected = alertId;
    if (alertId) this.rows.get(alertId)?.classList.add('selected');
  }

  /** Shows a new review decision on the alert's row (after a review is submitted). */
  setReview(alertId: string, decision: ReviewDecision): void {
    const cell = this.rows.get(alertId)?.querySelector('td.c-rev');
    if (cell) cell.replaceChildren(decisionBadge(decision));
  }

  // --- stream -------------------------------------------------------------------------------

  private openStream(filter: AlertFilter, gen: number): void {
    window.clearTimeout(this.reopenTimer);
    const es = new EventSource(api.feedUrl(filter));
    this.es = es;
    this.setConn('connecting');
    const live = (): boolean => this.es === es && this.gen === gen;
    es.addEventListener('open', () => {
      if (live()) this.setConn('open');
    });
    let hellos = 0;
    es.addEventListener('hello', () => {
      if (!live()) return;
      this.setConn('open');
      // The first hello loads the list; a later one (the stream is back after an outage) reloads
      // it, so alerts raised meanwhile are shown, and restarts the counters of "this connection".
      if ((hellos += 1) > 1) this.resetCounters();
      void this.loadList(gen);
    });
    es.addEventListener('alerts', (ev) => {
      if (!live()) return;
      const batch = parseData<FeedBatch>(ev);
      if (batch && Array.isArray(batch.alerts)) this.onBatch(batch);
    });
    es.addEventListener('stats', (ev) => {
      if (!live()) return;
      const stats = parseData<FeedStats>(ev);
      if (!stats) return;
      this.renderStats(stats);
      this.hooks.onStats?.(stats);
    });
    es.addEventListener('error', () => {
      if (!live()) return;
      // No stream yet: load the list anyway, to show what there is, or why there is nothing.
      if (!this.listed && !this.loading) void this.loadList(gen);
      if (es.readyState === EventSource.CLOSED) {
        // The browser gives up on an error status (401, 500, …): retry ourselves.
        this.setConn('closed');
        this.reopenTimer = window.setTimeout(() => {
          if (live()) this.openStream(filter, gen);
        }, REOPEN_MS);
      } else {
        this.setConn('reconnecting');
      }
    });
  }

  private closeStream(): void {
    window.clearTimeout(this.reopenTimer);
    if (this.es) {
      this.es.close();
      this.es = null;
    }
    this.setConn('idle');
  }

  private setConn(state: ConnState): void {
    if (this.conn === state) return;
    this.conn = state;
    const c = this.statusParts.conn;
    c.className = `conn conn-${state}`;
    c.textContent = CONN_TEXT[state];
  }

  private onBatch(batch: FeedBatch): void {
    const matched = Number.isFinite(batch.matched) ? batch.matched : batch.alerts.length;
    const lost = Number.isFinite(batch.lost) ? batch.lost : 0;
    let dropped = Number.isFinite(batch.dropped) ? batch.dropped : 0;
    this.received += batch.alerts.length;
    this.matched += matched;
    for (const [kind, n] of Object.entries(batch.by_kind ?? {})) {
      if (typeof n === 'number' && n > 0) this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + n);
    }
    // Newest first: this batch goes before anything still pending. A flood renders only its newest
    // rows, once a second: what is cut here is counted like what the server aggregated.
    this.pending = batch.alerts.concat(this.pending);
    if (this.pending.length > FLOOD_ROWS_PER_RENDER) {
      dropped += this.pending.length - FLOOD_ROWS_PER_RENDER;
      this.pending.length = FLOOD_ROWS_PER_RENDER;
    }
    this.dropped += dropped;
    this.lost += lost;
    if (dropped > 0 || lost > 0) this.showFlood();
    this.renderCounters();
    // Before the list is on screen, batches wait for it (`loadList` flushes them).
    if (this.frame || !this.listed) return;
    // Calm: the next frame. A flood: at most one table update per FLOOD_RENDER_MS, so the page
    // spends its time idle rather than re-laying out the table four times a second.
    const flooding = dropped > 0 || lost > 0 || Date.now() - this.lastRender < FLOOD_RENDER_MS;
    this.scheduleFlush(flooding ? Math.max(0, this.lastRender + FLOOD_RENDER_MS - Date.now()) : 0);
  }

  private scheduleFlush(waitMs: number): void {
    this.frame = window.setTimeout(() => requestAnimationFrame(() => this.flush()), waitMs);
  }

  private flush(): void {
    this.frame = 0;
    this.lastRender = Date.now();
    const batch = this.pending;
    this.pending = [];
    // A few new rows flash; a flood's rows do not (hundreds of animated rows repaint the table every frame).
    this.insert(batch, true, batch.length <= FRESH_MAX);
    this.renderEmpty();
    this.renderCounters();
  }

  // --- rows ---------------------------------------------------------------------------------

  /** Adds alerts (newest first) at the top (`prepend`) or the bottom, skipping known ids. */
  private insert(alerts: readonly AlertSummary[], prepend: boolean, animate = prepend): void {
    const frag = document.createDocumentFragment();
    for (const a of alerts) {
      if (!a || typeof a.alert_id !== 'string' || this.rows.has(a.alert_id)) continue;
      if (!prepend && this.rows.size >= this.maxRows) break;
      const tr = buildRow(a, animate);
      if (a.alert_id === this.selected) tr.classList.add('selected');
      this.rows.set(a.alert_id, tr);
      frag.appendChild(tr);
    }
    if (prepend) this.el.tbody.prepend(frag);
    else this.el.tbody.append(frag);
    while (this.rows.size > this.maxRows) {
      const last = this.el.tbody.lastElementChild as HTMLTableRowElement | null;
      if (!last) break;
      const id = last.dataset['alertId'];
      if (id !== undefined) this.rows.delete(id);
      last.remove();
    }
  }

  private clearRows(): void {
    if (this.frame) window.clearTimeout(this.frame);
    this.frame = 0;
    this.pending = [];
    this.rows.clear();
    this.el.tbody.textContent = '';
  }

  private renderEmpty(): void {
    const empty = this.rows.size === 0;
    this.el.empty.hidden = !empty;
    if (empty) this.el.empty.textContent = this.loading || !this.listed ? '加载中…' : '暂无符合条件的告警';
  }

  // --- status -------------------------------------------------------------------------------

  private resetCounters(): void {
    this.received = 0;
    this.matched = 0;
    this.dropped = 0;
    this.lost = 0;
    this.byKind.clear();
    window.clearTimeout(this.floodTimer);
    this.el.flood.hidden = true;
    this.el.flood.textContent = '';
  }

  private renderCounters(): void {
    const p = this.statusParts;
    p.received.textContent = int(this.received);
    const lost = this.lost > 0 ? `，服务器缓冲溢出 ${int(this.lost)} 条` : '';
    p.extra.textContent = this.dropped > 0 || this.lost > 0 ? `（匹配 ${int(this.matched)} 条，洪峰省略 ${int(this.dropped)} 条${lost}）` : '';
    const shown = `显示 ${int(this.rows.size)} 条`;
    p.list.textContent = this.listTotal === null ? shown : `${shown} · 列表匹配 ${int(this.listTotal)} 条`;
  }

  private renderStats(s: FeedStats | null): void {
    const p = this.statusParts;
    p.sps.textContent = s ? oneDecimal(s.settlements_per_s) : '—';
    p.aps.textContent = s ? oneDecimal(s.alerts_per_s) : '—';
    p.lag.textContent = s ? int(s.lag) : '—';
    p.dead.textContent = s ? int(s.dead_letters) : '—';
    p.dead.parentElement?.classList.toggle('warn', !!s && s.dead_letters > 0);
    p.lag.parentElement?.classList.toggle('warn', !!s && s.lag > 10_000);
  }

  private showFlood(): void {
    const top = [...this.byKind.entries()].sort((a, b) => b[1] - a[1]);
    const listed = top.slice(0, 6).map(([k, n]) => h('span', { class: 'flood-kind', 'data-kind': k }, kindName(k), ' ', h('b', null, int(n))));
    const rest = top.length > 6 ? h('span', { class: 'muted' }, `等 ${top.length} 类`) : null;
    const lost = this.lost > 0 ? `；另有 ${int(this.lost)} 条因服务器缓冲已满未能送达` : '';
    this.el.flood.replaceChildren(
      h('strong', null, `洪峰：告警过多，仅显示最新的部分，本次连接已省略 ${int(this.dropped)} 条${lost}`),
      h('span', { class: 'flood-summary' }, h('span', { class: 'muted' }, '本次连接匹配（按类别）：'), listed, rest),
    );
    this.el.flood.hidden = false;
    window.clearTimeout(this.floodTimer);
    this.floodTimer = window.setTimeout(() => {
      this.el.flood.hidden = true;
    }, FLOOD_HOLD_MS);
  }
}

/** One feed row. Cells carry classes so later updates (review) find them without re-rendering. */
function buildRow(a: AlertSummary, fresh: boolean): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset['alertId'] = a.alert_id;
  tr.dataset['kind'] = a.kind;
  tr.className = fresh ? `sev-row-${a.severity} fresh` : `sev-row-${a.severity}`;
  const td = (cls: string, ...content: (Node | string)[]): HTMLTableCellElement => {
    const c = document.createElement('td');
    c.className = cls;
    c.append(...content);
    return c;
  };
  const msg = td('c-msg', a.message ?? '');
  msg.title = a.message ?? '';
  const time = td('c-time', shortDateTime(a.event_time));
  time.title = a.event_time;
  tr.append(
    time,
    td('c-kind', kindCell(a.kind)),
    td('c-phase', phaseName(a.phase)),
    td('c-sev', severityBadge(a.severity)),
    td('c-adm mono', a.admdvs ?? ''),
    td('c-fac mono', a.fixmedins_code ?? ''),
    td('c-setl mono', h('a', { href: alertHref(a.alert_id), title: '查看详情' }, a.setl_id ?? '')),
    td('c-amt num', yuan(a.amount_at_risk)),
    td('c-rev', ...(a.review ? [decisionBadge(a.review)] : [])),
    msg,
  );
  return tr;
}
