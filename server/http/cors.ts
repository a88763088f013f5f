/**
 * CORS for browser apps on their own origin, answered before authentication so a preflight never
 * meets `401 TOKEN_MISSING`. Auth is a bearer token, never a cookie, so credentials stay off.
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { allowsOrigin } from "../config/corsOrigins.ts";

/** What the SDK, postgrest-js and realtime-js send, plus what the API reads. */
export const corsAllowHeaders = [
  "Authorization",
  "apikey",
  "Content-Type",
  "Accept",
  "Prefer",
  "Idempotency-Key",
  "Range",
  "Range-Unit",
  "Accept-Profile",
  "Content-Profile",
  "X-Client-Info",
  "X-Request-Id",
];

const answered = async () => {};

export function corsMiddleware(origins: readonly string[]): MiddlewareHandler {
  const corsHeaders = cors({
    origin: origins[0] === "*" ? "*" : (origin) => (allowsOrigin(origins, origin) ? origin : null),
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: corsAllowHeaders,
    exposeHeaders: ["Content-Range", "X-Request-Id"],
    maxAge: 600,
  });
  return async (c, next) => {
    if (c.req.method === "OPTIONS") return corsHeaders(c, next);
    // Hono's cors writes its headers into a placeholder response before the route runs; Hono then
    // rebuilds the route's response around it with a streamed body (~15% of a submit's server
    // CPU). Given the route's response instead, it adds the same headers to it in place.
    await next();
    await corsHeaders(c, answered);
  };
}
