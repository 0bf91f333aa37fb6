/** Bootstrap and hash router: `#/` feed, `#/alert/<id>` feed + detail, `#/overview` overview. */
import './style.css';
import type { AlertFilter, MetaResponse } from '../../api-types.js';
import { api, describeError } from './api.js';
import { $ } from './dom.js';
import { Detail } from './detail.js';
import { Feed } from './feed.js';
import { Filters } from './filters.js';
import { Overview } from './overview.js';

const META_RETRY_MS = 5_000;
const META_REFRESH_MS = 60_000;

// --- error line --------------------------------------------------------------------------------

const errorLine = $('[data-testid="error"]');
const errors = new Map<string, string>();

function reportError(source: string, message: string | null): void {
  if (message === null) errors.delete(source);
  else errors.set(source, message);
  errorLine.textContent = [...errors.values()].join('；');
  errorLine.hidden = errors.size === 0;
}

// --- components --------------------------------------------------------------------------------

let meta: MetaResponse | null = null;

const feed = new Feed(
  {
    tbody: $<HTMLTableSectionElement>('[data-testid="feed-rows"]'),
    status: $('[data-testid="feed-status"]'),
    flood: $('[data-testid="flood-notice"]'),
    empty: $('.feed-empty'),
  },
  { reportError, onStats: (s) => overview.pushStats(s) },
);

function loadFeed(filter: AlertFilter): Promise<void> {
  return feed.load(filter).catch((err: unknown) => reportError('list', describeError('加载告警列表失败', err)));
}

const filters = new Filters($<HTMLFormElement>('[data-testid="filters"]'), (f) => void loadFeed(f));

const detail = new Detail($('[data-testid="detail"]'), {
  authRequired: () => meta?.auth.required ?? false,
  onReviewed: (r) => feed.setReview(r.alert_id, r.decision),
  // The person's, the facility's or the region's alerts, beside the detail still open.
  onFilter: (f) => filters.replace(f),
});

const overview = new Overview($('[data-testid="overview"]'), {
  reportError,
  onFilter: (f) => {
    filters.replace(f);
    location.hash = '#/';
  },
});

// --- router ------------------------------------------------------------------------------------

const feedView = $('[data-view="feed"]');
const tabs = [...document.querySelectorAll<HTMLAnchorElement>('.tabs a[data-tab]')];

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function route(): void {
  const hash = location.hash;
  let view: 'feed' | 'overview' = 'feed';
  let alertId: string | null = null;
  if (/^#\/overview(\?|$)/.test(hash)) view = 'overview';
  else {
    const m = /^#\/alert\/([^?]+)/.exec(hash);
    if (m?.[1]) alertId = decode(m[1]);
  }

  for (const a of tabs) {
    const active = a.dataset['tab'] === view;
    a.classList.toggle('active', active);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  feedView.hidden = view !== 'feed';
  document.body.classList.toggle('with-detail', alertId !== null);
  if (view === 'overview') {
    detail.close();
    overview.show();
  } else {
    overview.hide();
    if (alertId === null) detail.close();
    else if (alertId !== detail.alertId) detail.open(alertId);
  }
  feed.setSelected(alertId);
}

window.addEventListener('hashchange', route);

// --- bootstrap ---------------------------------------------------------------------------------

function applyMeta(m: MetaResponse): void {
  meta = m;
  filters.populate(m);
  feed.setMeta(m);
  const user = $('[data-testid="user"]');
  user.textContent = m.auth.user ? `当前用户：${m.auth.user}` : '';
  user.hidden = !m.auth.user;
  // A detail opened before the meta answer may show the reviewer field needlessly.
  for (const el of document.querySelectorAll<HTMLElement>('.reviewer-field')) el.hidden = m.auth.required;
}

async function loadMeta(): Promise<MetaResponse> {
  for (;;) {
    try {
      const m = await api.meta();
      reportError('meta', null);
      return m;
    } catch (err) {
      reportError('meta', describeError('加载配置失败，稍后重试', err));
      await new Promise((r) => setTimeout(r, META_RETRY_MS));
    }
  }
}

async function boot(): Promise<void> {
  route();
  applyMeta(await loadMeta());
  const filter = filters.get();
  filters.markApplied(filter);
  await loadFeed(filter);
  document.body.dataset['ready'] = '1';
  // Regions appear as alerts arrive: keep the datalist current.
  window.setInterval(() => {
    api
      .meta()
      .then((m) => {
        reportError('meta', null);
        applyMeta(m);
      })
      .catch((err: unknown) => reportError('meta', describeError('刷新配置失败', err)));
  }, META_REFRESH_MS);
}

boot().catch((err: unknown) => reportError('boot', describeError('页面初始化失败', err)));
