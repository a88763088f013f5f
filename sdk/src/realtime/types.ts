/** Types of the realtime API: change events, filters, subscribe statuses and options. */
/** A table change to listen to; `"*"` means all three. */
export type RealtimeTableEvent = "INSERT" | "UPDATE" | "DELETE" | "*";

/** What a change callback receives (the same shape as Supabase Realtime). */
export interface RealtimeChangePayload<T extends Record<string, any> = Record<string, any>> {
  eventType: "INSERT" | "UPDATE" | "DELETE";
  schema: string;
  table: string;
  /** When the change was committed (ISO-8601). */
  commit_timestamp: string;
  /** The row after the change (visible to you under RLS); `{}` for DELETE. */
  new: T;
  /** The row before the change (often only the primary key); `{}` for INSERT. */
  old: Partial<T>;
  /** Errors the server attached to this change, e.g. a row too large to send; usually `null`. */
  errors: string[] | null;
}

/** Which changes a `postgres_changes` binding receives. */
export interface RealtimeChangesFilter {
  /** `"INSERT"`, `"UPDATE"`, `"DELETE"` or `"*"`. */
  event: RealtimeTableEvent;
  /** Database schema, e.g. `"jobs"`. */
  schema: string;
  /** Table in that schema; leave out for every table of the schema. */
  table?: string;
  /** A PostgREST-style row filter, e.g. `"status=eq.running"` or `"id=eq.<uuid>"`. */
  filter?: string;
}

/** The status passed to the `subscribe` callback. */
export type RealtimeSubscribeStatus = "SUBSCRIBED" | "TIMED_OUT" | "CLOSED" | "CHANNEL_ERROR";

/**
 * A WebSocket constructor: the browser's / Deno's `WebSocket`, or `WebSocket` from the `ws` package.
 * Typed loosely on purpose: realtime-js's own type rejects the `ws` package's class.
 */
export type WebSocketTransport = new (url: string, protocols?: string | string[]) => any;

/** Options of `client.realtime`, given as `createClient(url, key, { realtime: { ... } })`. */
export interface FluxbaseRealtimeOptions {
  /**
   * The WebSocket constructor to use. Browsers, Deno and Node 22+ have a global `WebSocket` and need
   * nothing. On Node 20 the SDK imports the `ws` package lazily when it is installed; pass
   * `transport: WebSocket` (`import WebSocket from "ws"`) to choose it explicitly.
   * @default globalThis.WebSocket, else the `ws` package
   */
  transport?: WebSocketTransport;
  /** Milliseconds to wait for the server to answer a join or leave. @default 10000 */
  timeout?: number;
  /** Milliseconds between heartbeats; a missed heartbeat reconnects the socket. @default 25000 */
  heartbeatIntervalMs?: number;
  /** Delay before reconnect attempt number `tries` (1-based). @default 1s, 2s, 5s, then every 10s */
  reconnectAfterMs?: (tries: number) => number;
  /** Receives realtime-js's debug log lines (`kind`, `message`, `data`). @default no logging */
  logger?: (kind: string, message: string, data?: unknown) => void;
}
