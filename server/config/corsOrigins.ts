/**
 * The origins a browser page may call the API from (`FLUXBASE_CORS_ORIGINS`): `*` for any, or a list
 * of exact origins. Shared by the HTTP CORS middleware and the realtime upgrade, which a browser sends
 * without a preflight and so must check itself.
 */
import { ConfigError } from "../errors.ts";

/** `["*"]`, or each entry reduced to its origin (`https://App.example.com/` → `https://app.example.com`). */
export function normalizeCorsOrigins(list: string[]): string[] {
  if (list.length === 0)
    throw new ConfigError('Invalid FLUXBASE_CORS_ORIGINS: expected "*" or origins, got none');
  if (list.includes("*")) {
    if (list.length > 1)
      throw new ConfigError(
        `Invalid FLUXBASE_CORS_ORIGINS: "*" cannot be combined with origins, got ${list.join(",")}`,
      );
    return ["*"];
  }
  return list.map((entry) => {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {}
    if (
      !url ||
      !/^https?:$/.test(url.protocol) ||
      (url.pathname !== "/" && url.pathname !== "") ||
      url.search
    )
      throw new ConfigError(
        `Invalid FLUXBASE_CORS_ORIGINS: expected origins such as https://app.example.com, got ${JSON.stringify(entry)}`,
      );
    return url.origin;
  });
}

/** Whether a request's `Origin` header is allowed by normalized origins. */
export function allowsOrigin(origins: readonly string[], origin: string): boolean {
  return origins[0] === "*" || origins.includes(origin.toLowerCase());
}
