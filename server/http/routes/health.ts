/**
 * GET /health: the process is up (200 once start-up finished, 503 before and while stopping).
 * GET /ready: it can do its work now: start-up finished (migrations applied, workers started) and
 * the database answers. A load balancer or Kubernetes readiness probe points here.
 */
import { Hono } from "hono";
import type { AppEnv, HttpDeps } from "../types.ts";

/** How long /ready waits for the database before calling it unreachable. */
const readyPingTimeout = 2000;

export function healthRoutes(deps: HttpDeps) {
  return new Hono<AppEnv>()
    .get("/health", (c) => (deps.isReady() ? c.json({ status: "ok" }) : c.json({ status: "starting" }, 503)))
    .get("/ready", async (c) => {
      const started = deps.isReady();
      const databaseError = await deps.pingDatabase(readyPingTimeout);
      const checks = {
        started: started ? "ok" : "not yet (migrations or workers are starting, or the server is stopping)",
        database: databaseError === null ? "ok" : `unreachable: ${databaseError}`,
      };
      const ok = started && databaseError === null;
      if (!ok) c.header("Retry-After", "1");
      return c.json(
        { status: ok ? "ready" : "not_ready", code: ok ? undefined : "NOT_READY", checks },
        ok ? 200 : 503,
      );
    });
}
