/**
 * Completes an incoming `postgres_changes` message before realtime-js turns it into the callback
 * payload: realtime-js calls `columns.find(...)` unguarded, and an exception there would escape from
 * the socket's message handler (in Node: an uncaught exception). Other messages pass through untouched.
 */

/** Returns `payload` with `data.columns` defaulted to `[]` and `data.errors` to `null`. */
export function normalizeChangeMessage(event: string, payload: unknown): unknown {
  if (event !== "postgres_changes" || typeof payload !== "object" || payload === null) return payload;
  const message = payload as { data?: unknown };
  if (typeof message.data !== "object" || message.data === null) return payload;
  const data = message.data as Record<string, unknown>;
  return {
    ...message,
    data: { ...data, columns: Array.isArray(data.columns) ? data.columns : [], errors: data.errors ?? null },
  };
}
