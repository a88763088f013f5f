/** Options of `createClient`: the input type, the defaults in one place, and the resolved type. */
import type { FetchLike } from "./http/HttpClient.ts";
import type { FluxbaseRealtimeOptions } from "./realtime/types.ts";

/** Options of `createClient(url, key, options)`. */
export interface FluxbaseClientOptions {
  db?: {
    /** Schema of undotted names in `client.from(name)` (`"app.my_table"` names its own). @default "public" */
    schema?: string;
  };
  global?: {
    /** Headers added to every HTTP request (jobs, admin and REST). @default {} */
    headers?: Record<string, string>;
    /** The `fetch` to use, e.g. to add tracing or retries. @default globalThis.fetch */
    fetch?: FetchLike;
  };
  /** WebSocket settings of `client.realtime` (and of `jobs.waitFor`). */
  realtime?: FluxbaseRealtimeOptions;
}

/**
 * The object form of `createClient(url, { apiKey })` (as in the docs): give `apiKey` (the anon key or a
 * user's token) or `serviceKey` (full access; keep it on servers), plus any option.
 */
export interface FluxbaseClientConfig extends FluxbaseClientOptions {
  /** The anon key or a user's JWT. */
  apiKey?: string;
  /** The service-role key: bypasses RLS. Never ship it to browsers. */
  serviceKey?: string;
}

/** Options with every default applied. */
export interface ResolvedClientOptions {
  schema: string;
  headers: Record<string, string>;
  fetch: FetchLike;
  realtime: FluxbaseRealtimeOptions;
}

const DEFAULTS = {
  db: { schema: "public" },
  global: { headers: {} },
  realtime: {},
} satisfies FluxbaseClientOptions;

/** Applies the defaults once, so the rest of the SDK never checks for `undefined`. */
export function resolveOptions(options: FluxbaseClientOptions = {}): ResolvedClientOptions {
  return {
    schema: options.db?.schema ?? DEFAULTS.db.schema,
    headers: { ...DEFAULTS.global.headers, ...options.global?.headers },
    // Looked up per call so a polyfill installed after createClient still counts.
    fetch: options.global?.fetch ?? ((input, init) => fetch(input, init)),
    realtime: { ...DEFAULTS.realtime, ...options.realtime },
  };
}
