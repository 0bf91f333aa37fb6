/**
 * Dashboard test helpers: settlements that raise known alerts on the golden catalogue, a reader of
 * the live feed (Server-Sent Events over fetch), and a Prometheus text parser.
 */
import type { Settlement } from '../../pipeline/contracts/settlement.js';

export const HBA1C = '002503020030000';
export const FEMALE_ONLY_DRUG = 'ZD03AAA0043010100166';

export function settlement(id: string, over: Partial<Settlement> & Pick<Settlement, 'items'>): Settlement {
  const total = Math.round(over.items.reduce((a, i) => a + i.det_item_fee_sumamt, 0) * 100) / 100;
  return {
    setl_id: id,
    mdtrt_id: `M-${id}`,
    psn_no: 'PSN-DASH-1',
    gend: '2',
    brdy: '1970-03-04',
    admdvs: '320102',
    fixmedins_code: 'H32010200011',
    fixmedins_type: '1',
    med_type: '11',
    setl_time: '2026-11-02T09:00:00+08:00',
    diag: [{ diag_code: 'E11.900' }],
    medfee_sumamt: total,
    ...over,
  };
}

export const hba1c = (sn: string) => ({ feedetl_sn: sn, med_list_codg: HBA1C, list_type: '201' as const, cnt: 1, pric: 50, det_item_fee_sumamt: 50, bilg_dr_codg: 'D-DASH-7' });
export const femaleOnly = (sn: string) => ({ feedetl_sn: sn, med_list_codg: FEMALE_ONLY_DRUG, list_type: '101' as const, cnt: 1, pric: 30, det_item_fee_sumamt: 30, prd_days: 10, bilg_dr_codg: 'D-DASH-9' });

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads a Server-Sent Events stream with fetch; `next(pred)` resolves with the first matching event. */
export async function openFeed(url: string, headers: Record<string, string> = {}): Promise<{ next(pred: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>; events: SseEvent[]; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`feed: HTTP ${res.status}`);
  const events: SseEvent[] = [];
  const waiters: Array<{ pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (!data.length) continue;
          const e = { event, data: JSON.parse(data.join('\n')) as unknown };
          events.push(e);
          for (const w of waiters.splice(0)) {
            if (w.pred(e)) w.resolve(e);
            else waiters.push(w);
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    next(pred, timeoutMs = 20_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('feed: no matching event in time')), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    close: () => controller.abort(),
  };
}

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
