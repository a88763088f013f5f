/** `createClient`: the one way to make a FluxbaseClient. */
import { FluxbaseClient } from "./FluxbaseClient.ts";
import { type FluxbaseClientConfig, type FluxbaseClientOptions, resolveOptions } from "./options.ts";

/**
 * Creates a client for the Fluxbase server at `url`.
 *
 * `key` is the anon key, a user's JWT or the service key. It is sent as `apikey` on every request,
 * and as `Authorization: Bearer` until `client.auth.setSession()` switches to a user's token.
 * Throws a `TypeError` only for an unusable `url` or a missing key (a programming error).
 *
 * @example
 * const client = createClient("http://localhost:8080", anonKey);
 * const admin = createClient(process.env.FLUXBASE_URL!, { serviceKey: process.env.FLUXBASE_SERVICE_KEY! });
 */
export function createClient(url: string, key: string, options?: FluxbaseClientOptions): FluxbaseClient;
/** Creates a client from `{ apiKey }` or `{ serviceKey }` plus options (the documented object form). */
export function createClient(url: string, config: FluxbaseClientConfig): FluxbaseClient;
export function createClient(
  url: string,
  keyOrConfig: string | FluxbaseClientConfig,
  options?: FluxbaseClientOptions,
): FluxbaseClient {
  const { key, rest } = splitKey(keyOrConfig, options);
  if (typeof url !== "string" || !/^https?:\/\//i.test(url)) {
    throw new TypeError(
      `createClient expects an http(s) URL such as "http://localhost:8080"; got ${JSON.stringify(url)}`,
    );
  }
  try {
    new URL(url);
  } catch {
    throw new TypeError(`createClient expects a valid URL; got ${JSON.stringify(url)}`);
  }
  return new FluxbaseClient(url, key, resolveOptions(rest));
}

function splitKey(
  keyOrConfig: string | FluxbaseClientConfig,
  options: FluxbaseClientOptions | undefined,
): { key: string; rest: FluxbaseClientOptions | undefined } {
  if (typeof keyOrConfig === "string" && keyOrConfig !== "") return { key: keyOrConfig, rest: options };
  if (typeof keyOrConfig === "object" && keyOrConfig !== null) {
    const { apiKey, serviceKey, ...rest } = keyOrConfig;
    const key = serviceKey || apiKey;
    if (typeof key === "string" && key !== "") return { key, rest };
  }
  throw new TypeError(
    "createClient expects a key: createClient(url, key) or createClient(url, { apiKey } | { serviceKey })",
  );
}
