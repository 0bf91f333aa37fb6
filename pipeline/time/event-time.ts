/**
 * Event-time helpers. Every window, age and stay length is computed from the settlement's own
 * timestamps, never the wall clock. "Local date" is the calendar date at the platform's fixed
 * UTC offset (China Standard Time, +08:00, no daylight saving).
 */

/** Minutes east of UTC of the platform's local time. @default 480 (UTC+8) */
export const LOCAL_UTC_OFFSET_MINUTES = 480;

export const DAY_MS = 86_400_000;

/**
 * How late a settlement may arrive (behind the latest event time seen) and still be judged
 * against exactly the history an on-time arrival would have seen. Detectors keep their state this
 * much longer than their own windows. @default 7 days
 */
export const ALLOWED_LATENESS_MS = 7 * DAY_MS;

/** An instant as local ISO 8601 with the platform offset, e.g. `2026-11-02T09:15:00+08:00`. */
export function localIsoTime(ms: number, offsetMinutes = LOCAL_UTC_OFFSET_MINUTES): string {
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19)}${offset}`;
}

/** Epoch milliseconds of an ISO 8601 timestamp (NaN when unparseable). */
export function epochMs(iso: string): number {
  return Date.parse(iso);
}

/** Days since 1970-01-01 of the local date of an instant. */
export function localDayNumber(ms: number, offsetMinutes = LOCAL_UTC_OFFSET_MINUTES): number {
  return Math.floor((ms + offsetMinutes * 60_000) / DAY_MS);
}

/** `YYYY-MM-DD` of the local date of an instant. */
export function localDate(ms: number, offsetMinutes = LOCAL_UTC_OFFSET_MINUTES): string {
  return new Date(localDayNumber(ms, offsetMinutes) * DAY_MS).toISOString().slice(0, 10);
}

/** Parses a `YYYY-MM-DD` calendar date into [year, month, day], or undefined when not a real date. */
export function parseCalendarDate(text: string): [number, number, number] | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return undefined;
  return [y, mo, d];
}

/** Completed years (周岁) between a birth date and a local date, both `YYYY-MM-DD`. */
export function completedYears(birthDate: string, onDate: string): number {
  const b = parseCalendarDate(birthDate);
  const o = parseCalendarDate(onDate);
  if (!b || !o) return Number.NaN;
  let years = o[0] - b[0];
  if (o[1] < b[1] || (o[1] === b[1] && o[2] < b[2])) years -= 1;
  return years;
}

/** Days of a stay (住院天数, 算入不算出): local date of discharge minus local date of admission, at least 1. */
export function stayDays(begntimeMs: number, endtimeMs: number): number {
  return Math.max(1, localDayNumber(endtimeMs) - localDayNumber(begntimeMs));
}
