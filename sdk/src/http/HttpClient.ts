/**
 * JSON over HTTP to the Fluxbase server, resolving to `{ data, error }` and never throwing:
 * network failures, non-JSON bodies and error statuses all become a FluxbaseError.
 */
import type { FluxbaseAuth } from "../auth/FluxbaseAuth.ts";
import { FluxbaseError, networkError } from "../errors.ts";
import { type FluxbaseResponse, fail, ok } from "../response.ts";
import { buildUrl, type QueryValue } from "./buildUrl.ts";
import { parseErrorBody, tryParseJson } from "./parseErrorBody.ts";

/** The `fetch` signature the SDK calls; any WHATWG-compatible implementation works. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** One request to the server. */
export interface RequestOptions {
  /** Query parameters; `undefined`/`null` values are left out. */
  query?: Record<string, QueryValue>;
  /** Sent as JSON when set. */
  body?: unknown;
  /** Extra headers for this request (e.g. `Idempotency-Key`). */
  headers?: Record<string, string>;
  /** Aborts the request; the result is then an `ABORTED` error. */
  signal?: AbortSignal;
}

/** @internal Shared by the jobs, admin and REST clients of one `FluxbaseClient`. */
export class HttpClient {
  /** The server's base URL without a trailing slash, e.g. `http://localhost:8080`. */
  readonly url: string;
  readonly #auth: FluxbaseAuth;
  readonly #fetch: FetchLike;
  readonly #headers: Record<string, string>;

  constructor(url: string, auth: FluxbaseAuth, fetchImpl: FetchLike, headers: Record<string, string>) {
    this.url = url;
    this.#auth = auth;
    this.#fetch = fetchImpl;
    this.#headers = headers;
  }

  /** The headers every request carries: global headers, then `apikey` and `Authorization`. */
  authHeaders(): Record<string, string> {
    return {
      ...this.#headers,
      apikey: this.#auth.getApiKey(),
      Authorization: `Bearer ${this.#auth.getAccessToken()}`,
    };
  }

  /**
   * A `fetch` that adds `apikey` and `Authorization` (with the token current at call time) unless the
   * request already has them. Handed to postgrest-js so REST follows `auth.setSession`.
   */
  readonly fetchWithAuth: FetchLike = (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(this.authHeaders())) {
      if (!headers.has(name)) headers.set(name, value);
    }
    return this.#fetch(input, { ...init, headers });
  };

  /** Sends one JSON request to `${url}${path}` and resolves to `{ data, error }`. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<FluxbaseResponse<T>> {
    const url = buildUrl(this.url, path, options.query);
    const headers: Record<string, string> = {
      Accept: "application/json",
      ...this.authHeaders(),
      ...options.headers,
    };
    const init: RequestInit = { method, headers, signal: options.signal };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    const what = `${method} ${url}`;
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, init);
      text = await response.text();
    } catch (cause) {
      return fail(networkError(what, cause));
    }
    if (!response.ok) return fail(parseErrorBody(response.status, response.statusText, text));
    if (response.status === 204 || text.trim() === "") return ok(null as T);
    const data = tryParseJson(text);
    if (data === undefined) {
      const snippet = text.trim().slice(0, 200);
      const message = `Expected JSON from ${what} (HTTP ${response.status}); got: ${snippet}`;
      return fail(new FluxbaseError(message, "INVALID_RESPONSE", response.status, { body: snippet }));
    }
    return ok(data as T);
  }
}
