/**
 * Counts every request by method, route pattern (never the raw path: ids would make a series per
 * job) and status, and times it.
 */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Metrics } from "../metrics/metrics.ts";

export function metricsMiddleware(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const pattern = routePath(c, -1);
      const route = pattern === "" || pattern.endsWith("*") ? "unmatched" : pattern;
      metrics.httpRequest(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
    }
  };
}
