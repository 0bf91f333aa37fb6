/**
 * Request bodies reach the routes as text (`http-server.ts` registers no JSON parser), so each
 * route answers a body that is not JSON with its own problem list instead of a generic error.
 */
export type JsonBody = { ok: true; value: unknown } | { ok: false; detail: string };

export function parseJsonBody(raw: unknown): JsonBody {
  try {
    return { ok: true, value: JSON.parse(String(raw ?? '')) };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}
