/**
 * A value loaded at most once per `ttlMs`: callers within that time, and concurrent callers, share
 * one load. A failed load is forgotten, so the next caller tries again. Keeps a page polled by many
 * browsers to one ClickHouse query per period.
 */
export function cached<T>(load: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let entry: { at: number; promise: Promise<T> } | undefined;
  return () => {
    const t = now();
    if (entry && t - entry.at < ttlMs) return entry.promise;
    const mine = { at: t, promise: load() };
    entry = mine;
    mine.promise.catch(() => {
      if (entry === mine) entry = undefined;
    });
    return mine.promise;
  };
}
