/** Typed fetch helpers for the dashboard API (`../../api-types.ts`). */
import {
  FILTER_FIELDS,
  type AlertDetailResponse,
  type AlertFilter,
  type AlertListResponse,
  type MetaResponse,
  type OverviewResponse,
  type Review,
  type ReviewRequest,
  type ApiProblem,
  type ApiErrorBody,
} from '../../api-types.js';

/** One problem of a rejected request (400 `{error, problems}`), read defensively. */
export type Problem = Partial<ApiProblem>;

/** A non-2xx answer (or no answer): `message` is what the server said, in Chinese where it can. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }

  get problems(): Problem[] {
    const b = this.body;
    if (b && typeof b === 'object' && 'problems' in b && Array.isArray(b.problems)) {
      return b.problems.filter((p): p is Problem => typeof p === 'object' && p !== null);
    }
    return [];
  }
}

async function request<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...init?.headers } });
    text = await res.text();
  } catch {
    throw new ApiError('无法连接服务器', 0, null);
  }
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) throw new ApiError(errorMessage(body) ?? `HTTP ${res.status}`, res.status, body);
  return body as T;
}

/** What the server said went wrong, in Chinese where it said it ({@link ApiErrorBody}), else in English. */
function errorMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body ? body.slice(0, 200) : undefined;
  const b = body as Partial<ApiErrorBody>;
  if (typeof b.message_zh === 'string' && b.message_zh) return b.message_zh;
  const problems = Array.isArray(b.problems) ? b.problems.map((p) => p?.message_zh).filter((m): m is string => typeof m === 'string' && m !== '') : [];
  if (problems.length) return problems.join('；');
  return typeof b.error === 'string' && b.error ? b.error : undefined;
}

/** The query string (without `?`) of the filter's non-empty fields plus `extra`. */
export function filterQuery(filter: AlertFilter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const f of FILTER_FIELDS) {
    const v = filter[f]?.trim();
    if (v) q.set(f, v);
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

const alertPath = (id: string): string => `/api/alerts/${encodeURIComponent(id)}`;

export const api = {
  meta: (): Promise<MetaResponse> => request('/api/meta'),
  alerts: (filter: AlertFilter, limit: number): Promise<AlertListResponse> =>
    request(`/api/alerts?${filterQuery(filter, { limit: String(limit) })}`),
  alert: (id: string): Promise<AlertDetailResponse> => request(alertPath(id)),
  review: (id: string, body: ReviewRequest): Promise<Review> =>
    request(`${alertPath(id)}/review`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  overview: (): Promise<OverviewResponse> => request('/api/overview'),
  feedUrl: (filter: AlertFilter): string => {
    const q = filterQuery(filter);
    return q ? `/api/feed?${q}` : '/api/feed';
  },
};

/** A user-facing Chinese description of a failed call. */
export function describeError(context: string, err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return `${context}：无法连接服务器，请检查网络`;
    if (err.status === 401 || err.status === 403) return `${context}：无访问权限（${err.message}）`;
    return `${context}：${err.message}`;
  }
  return `${context}：${err instanceof Error ? err.message : String(err)}`;
}
