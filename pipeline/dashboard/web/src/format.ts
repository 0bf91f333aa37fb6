/** Number and time formatting for the zh-CN interface. Times are shown in China Standard Time. */

/** The time zone of every time shown (event times are China Standard Time). */
export const TZ = 'Asia/Shanghai';

const yuanFmt = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const intFmt = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 });
const numFmt = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 4 });
const oneDecFmt = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 });

const dtFmt = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

const isNum = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/** Yuan to the cent with digit grouping, e.g. `12,345.60`; `—` when not a number. */
export function yuan(n: unknown): string {
  return isNum(n) ? yuanFmt.format(n) : '—';
}

/** A unit price: to the cent, or to 0.0001 below 0.10 (per-tablet prices), as the detectors write them. */
export function price(n: unknown): string {
  if (!isNum(n)) return '—';
  return Math.abs(n) >= 0.1 || n === 0 ? yuanFmt.format(n) : n.toFixed(4);
}

export function int(n: unknown): string {
  return isNum(n) ? intFmt.format(n) : '—';
}

/** A plain number with up to 4 decimals. */
export function num(n: unknown): string {
  return isNum(n) ? numFmt.format(n) : '—';
}

export function oneDecimal(n: unknown): string {
  return isNum(n) ? oneDecFmt.format(n) : '—';
}

/** Compact Chinese magnitude for chart axes: 1.2万, 3.4亿. */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e8) return `${oneDecFmt.format(n / 1e8)}亿`;
  if (a >= 1e4) return `${oneDecFmt.format(n / 1e4)}万`;
  return numFmt.format(n);
}

interface Parts {
  y: string;
  mo: string;
  d: string;
  h: string;
  mi: string;
  s: string;
}

function parts(t: number): Parts | null {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return null;
  const p: Record<string, string> = {};
  for (const { type, value } of dtFmt.formatToParts(d)) p[type] = value;
  return { y: p['year'] ?? '', mo: p['month'] ?? '', d: p['day'] ?? '', h: p['hour'] ?? '', mi: p['minute'] ?? '', s: p['second'] ?? '' };
}

function toMs(t: string | number): number {
  return typeof t === 'number' ? t : Date.parse(t);
}

/** `YYYY-MM-DD HH:mm:ss`; the input unchanged when it is not a time. */
export function dateTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === '') return '—';
  const p = parts(toMs(t));
  return p ? `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}` : String(t);
}

/** `MM-DD HH:mm:ss` (the feed's time column). */
export function shortDateTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === '') return '—';
  const p = parts(toMs(t));
  return p ? `${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}` : String(t);
}

/** `MM-DD HH:mm`. */
export function shortMinute(t: number): string {
  const p = parts(t);
  return p ? `${p.mo}-${p.d} ${p.h}:${p.mi}` : '';
}

/** `YYYY-MM-DD HH:mm` (a stay's admission and discharge). */
export function dateMinute(t: string | number): string {
  const p = parts(toMs(t));
  return p ? `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}` : String(t);
}

/** `HH:mm:ss`. */
export function clock(t: number): string {
  const p = parts(t);
  return p ? `${p.h}:${p.mi}:${p.s}` : '';
}

/** `YYYY-MM-DD`. */
export function date(t: string | number): string {
  const p = parts(toMs(t));
  return p ? `${p.y}-${p.mo}-${p.d}` : String(t);
}

/** `MM-DD`. */
export function monthDay(t: number): string {
  const p = parts(t);
  return p ? `${p.mo}-${p.d}` : '';
}

/** ISO 8601 date-time text (what the detectors write into evidence). */
export function looksLikeIsoTime(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s) && !Number.isNaN(Date.parse(s));
}
