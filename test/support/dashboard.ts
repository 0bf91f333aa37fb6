/**
 * Dashboard test helpers: a Prometheus text parser. (Settlements that raise known alerts are in
 * `settlements.ts`; the live-feed reader is `pipeline/dashboard/feed-reader.ts`.)
 */
/** Sample values of a Prometheus text exposition, keyed `name{label="v",…}` as printed. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** Sum of every sample of a metric (all label sets). */
export function metricSum(samples: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [key, v] of samples) if (key === name || key.startsWith(`${name}{`)) sum += v;
  return sum;
}
