/**
 * GET /metrics: Prometheus text format. With FLUXBASE_METRICS_TOKEN set, a scraper must send it as
 * a bearer token; without it the endpoint is open (bind to a private address, or set the token).
 */
import { timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import type { Metrics } from "../../metrics/metrics.ts";
import type { AppEnv } from "../types.ts";

export function metricsRoutes(metrics: Metrics, token: string | undefined) {
  return new Hono<AppEnv>().get("/metrics", async (c) => {
    if (token) {
      const given = c.req.header("authorization")?.match(/^Bearer (.+)$/i)?.[1] ?? "";
      if (!given) {
        c.header("WWW-Authenticate", 'Bearer realm="metrics"');
        return c.json(
          { error: "This endpoint needs the metrics token as a bearer token", code: "METRICS_TOKEN_MISSING" },
          401,
        );
      }
      if (!sameSecret(given, token)) {
        return c.json({ error: "The metrics token is not valid", code: "METRICS_TOKEN_INVALID" }, 403);
      }
    }
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { "Content-Type": metrics.registry.contentType });
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
