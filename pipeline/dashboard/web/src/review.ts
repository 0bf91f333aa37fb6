/** 疑点复核: the review form of an alert and its (append-only) history. */
import { REVIEW_DECISIONS, REVIEW_DECISION_NAMES_ZH, type Review, type ReviewDecision, type ReviewRequest } from '../../api-types.js';
import { api, ApiError, describeError } from './api.js';
import { h, replaceChildren } from './dom.js';
import { dateTime } from './format.js';
import { decisionBadge } from './labels.js';

const REVIEWER_KEY = 'yibao-sentinel.reviewer';
const NOTE_MAX = 2000;

function storedReviewer(): string {
  try {
    return localStorage.getItem(REVIEWER_KEY) ?? '';
  } catch {
    return '';
  }
}

function storeReviewer(name: string): void {
  try {
    localStorage.setItem(REVIEWER_KEY, name);
  } catch {
    // storage disabled: prefill is a convenience only
  }
}

export interface ReviewOptions {
  alertId: string;
  reviews: readonly Review[];
  /** Hide the reviewer field: the server uses the authenticated user (read at render and submit). */
  authRequired(): boolean;
  /** The alert is still shown (stale responses are dropped). */
  isCurrent(): boolean;
  /** The review is stored: called even when the panel has moved on to another alert. */
  onSaved(review: Review): void;
}

function reviewItem(r: Review): HTMLLIElement {
  return h(
    'li',
    { 'data-decision': r.decision, 'data-review-id': r.review_id },
    h('div', { class: 'review-head' }, decisionBadge(r.decision), h('span', { class: 'reviewer' }, r.reviewer || '—'), h('time', { datetime: r.reviewed_at }, dateTime(r.reviewed_at))),
    r.note ? h('p', { class: 'review-note' }, r.note) : h('p', { class: 'review-note muted' }, '（无复核意见）'),
  );
}

/** The review section: form, error area and history. */
export function renderReview(opts: ReviewOptions): HTMLElement {
  const list = h('ul', { class: 'reviews', 'data-testid': 'reviews' }, opts.reviews.map(reviewItem));
  const empty = h('p', { class: 'muted reviews-empty' }, '暂无复核记录');
  empty.hidden = opts.reviews.length > 0;
  const error = h('div', { class: 'review-error', 'data-testid': 'review-error', role: 'alert' });
  error.hidden = true;
  const ok = h('span', { class: 'review-ok', role: 'status' });

  const decisions = h(
    'div',
    { class: 'decisions', role: 'radiogroup', 'aria-label': '复核结论' },
    REVIEW_DECISIONS.map((d) =>
      h('label', { class: `decision-opt dec-opt-${d}` }, h('input', { type: 'radio', name: 'decision', value: d }), REVIEW_DECISION_NAMES_ZH[d]),
    ),
  );
  const note = h('textarea', { name: 'note', rows: 3, maxlength: NOTE_MAX, placeholder: '复核意见：核查过程、依据、结论…' });
  const reviewer = h('input', { name: 'reviewer', autocomplete: 'name', placeholder: '复核人姓名', value: storedReviewer() });
  const reviewerLabel = h('label', { class: 'reviewer-field' }, '复核人', reviewer);
  reviewerLabel.hidden = opts.authRequired();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, '提交复核');

  const form = h(
    'form',
    { class: 'review-form', 'data-testid': 'review-form', novalidate: true },
    h('div', { class: 'form-row' }, h('span', { class: 'form-label' }, '结论'), decisions),
    h('label', { class: 'note-field' }, h('span', { class: 'form-label' }, '复核意见'), note),
    h('div', { class: 'form-row' }, reviewerLabel, submit, ok),
    error,
  );

  const showProblems = (message: string, problems: readonly { message_zh?: string; detail?: string }[]): void => {
    replaceChildren(
      error,
      h('strong', null, message),
      problems.length
        ? h('ul', null, problems.map((p) => h('li', null, p.message_zh ?? '请求有误', p.detail ? h('span', { class: 'muted' }, `（${p.detail}）`) : null)))
        : null,
    );
    error.hidden = false;
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const checked = form.querySelector<HTMLInputElement>('input[name="decision"]:checked');
    const body: ReviewRequest = { decision: (checked?.value ?? '') as ReviewDecision, note: note.value.trim() };
    const auth = opts.authRequired();
    if (!auth) body.reviewer = reviewer.value.trim();
    error.hidden = true;
    ok.textContent = '';
    submit.disabled = true;
    submit.textContent = '提交中…';
    api
      .review(opts.alertId, body)
      .then((saved) => {
        // Stored whatever the panel shows now: the feed row gets its decision either way.
        opts.onSaved(saved);
        if (!auth && body.reviewer) storeReviewer(body.reviewer);
        if (!opts.isCurrent()) return;
        list.prepend(reviewItem(saved));
        empty.hidden = true;
        note.value = '';
        if (checked) checked.checked = false;
        ok.textContent = '已提交';
      })
      .catch((err: unknown) => {
        if (!opts.isCurrent()) return;
        if (err instanceof ApiError && err.status === 400) showProblems('提交失败', err.problems);
        else showProblems(describeError('提交失败', err), []);
      })
      .finally(() => {
        submit.disabled = false;
        submit.textContent = '提交复核';
      });
  });

  return h('section', { class: 'panel-section review-section' }, h('h3', null, '疑点复核'), form, h('h4', null, '复核记录'), list, empty);
}
