/**
 * A Node client of the dashboard's live feed (`GET /api/feed`, Server-Sent Events) for scripts and
 * tests: Node 20 has no EventSource, and fetch streams the body. Events are parsed as they arrive
 * (`event:` and `data:` lines, JSON data); `next(pred)` resolves with the first matching event,
 * including ones already received.
 */

export interface FeedEvent {
  event: string;
  data: unknown;
}

export interface FeedReader {
  /** Every event received so far, in order. */
  readonly events: FeedEvent[];
  /** The first event, received or to come, that `pred` accepts; rejects after `timeoutMs`. */
  next(pred: (e: FeedEvent) => boolean, timeoutMs?: number): Promise<FeedEvent>;
  /** Called for each event as it arrives (before `next` waiters). */
  onEvent(listener: (e: FeedEvent) => void): void;
  close(): void;
}

/** Parses one SSE block (the lines between two blank lines); undefined for a comment or heartbeat. */
export function parseSseBlock(block: string): FeedEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return data.length ? { event, data: JSON.parse(data.join('\n')) as unknown } : undefined;
}

export async function openFeedReader(url: string, headers: Record<string, string> = {}): Promise<FeedReader> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`live feed ${url}: HTTP ${res.status}`);
  const events: FeedEvent[] = [];
  const listeners: Array<(e: FeedEvent) => void> = [];
  let waiters: Array<{ pred: (e: FeedEvent) => boolean; resolve: (e: FeedEvent) => void }> = [];
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
          const e = parseSseBlock(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
          if (!e) continue;
          events.push(e);
          for (const l of listeners) l(e);
          const pending = waiters;
          waiters = [];
          for (const w of pending) {
            if (w.pred(e)) w.resolve(e);
            else waiters.push(w);
          }
        }
      }
    } catch {
      // closed by close() or by the server
    }
  })();
  return {
    events,
    next(pred, timeoutMs = 20_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('live feed: no matching event in time')), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    onEvent: (listener) => void listeners.push(listener),
    close: () => controller.abort(),
  };
}
