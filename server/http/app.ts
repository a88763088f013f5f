/**
 * The Hono application: the core API mounted under its prefixes, one error handler, JSON 404s.
 * REST and the example pages are mounted by the composition root through `extensions.mount`.
 */

import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { authenticate, requireAdmin } from "./authenticate.ts";
import { corsMiddleware } from "./cors.ts";
import { metricsMiddleware } from "./metricsMiddleware.ts";
import { createErrorHandler } from "./onError.ts";
import { requestLog } from "./requestLog.ts";
import { adminFunctionsRoutes } from "./routes/adminFunctions.ts";
import { adminJobsRoutes } from "./routes/adminJobs.ts";
import { adminKeysRoutes } from "./routes/adminKeys.ts";
import { adminPauseRoutes } from "./routes/adminPause.ts";
import { adminSchedulesRoutes } from "./routes/adminSchedules.ts";
import { adminStorageRoutes } from "./routes/adminStorage.ts";
import { aiRoutes } from "./routes/ai.ts";
import { eventsRoutes } from "./routes/events.ts";
import { healthRoutes } from "./routes/health.ts";
import { homeRoutes } from "./routes/home.ts";
import { jobsRoutes } from "./routes/jobs.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { adminSecretsRoutes, userSecretsRoutes } from "./routes/secrets.ts";
import { storageBucketRoutes } from "./routes/storageBuckets.ts";
import { storageObjectRoutes } from "./routes/storageObjects.ts";
import { adminTogglesRoutes, userTogglesRoutes } from "./routes/toggles.ts";
import { adminWebhooksRoutes, webhookPublicKeyRoutes } from "./routes/webhooks.ts";
import type { AppEnv, HttpDeps } from "./types.ts";

export interface HttpExtensions {
  /**
   * Route groups the composition root (server/app.ts) mounts after the core API: REST and the
   * example pages. They sit behind the same CORS and error handling; http/ never imports them.
   */
  mount?: (app: Hono<AppEnv>) => void;
}

export function createHttpApp(deps: HttpDeps, extensions: HttpExtensions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger));
  app.notFound((c) =>
    c.json({ error: `No route for ${c.req.method} ${c.req.path}`, code: "ROUTE_NOT_FOUND" }, 404),
  );
  // Every request has an id (the caller's X-Request-Id when it is a sane one), sent back in
  // X-Request-Id and carried by the log lines about it (requestLog).
  app.use("*", requestId());
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    requestLog(c, deps.logger).debug("request", {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  // Before the routes, so preflights are answered before any route's authentication.
  app.use("*", corsMiddleware(deps.config.corsOrigins));
  app.use("*", metricsMiddleware(deps.metrics));
  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoutes(deps.metrics, deps.config.metricsToken || undefined));
  app.route("/", homeRoutes());
  app.route("/api/v1/jobs", jobsRoutes(deps));
  app.route("/api/v1/events", eventsRoutes(deps));
  app.route("/api/v1", openApiRoutes());
  // Admin routes share one authentication step: admin or service_role only.
  const admin = new Hono<AppEnv>().use("*", authenticate(deps.verifyToken), requireAdmin());
  admin.route("/", adminJobsRoutes(deps));
  admin.route("/", adminFunctionsRoutes(deps));
  admin.route("/", adminSchedulesRoutes(deps));
  admin.route("/", adminPauseRoutes(deps));
  app.route("/api/v1/admin/jobs", admin);
  app.route("/api/v1/admin/secrets", adminSecretsRoutes(deps));
  app.route("/api/v1/admin/keys", adminKeysRoutes(deps));
  app.route("/api/v1/secrets", userSecretsRoutes(deps));
  app.route("/api/v1/admin/webhooks", adminWebhooksRoutes(deps));
  app.route("/api/v1/webhooks", webhookPublicKeyRoutes(deps.webhookPublicKey));
  app.route("/api/v1/admin/toggles", adminTogglesRoutes(deps));
  app.route("/api/v1/toggles", userTogglesRoutes(deps));
  app.route("/api/v1/ai", aiRoutes(deps));
  if (deps.storage) {
    app.route("/storage/v1/bucket", storageBucketRoutes(deps, deps.storage));
    app.route("/storage/v1/object", storageObjectRoutes(deps, deps.storage));
  }
  app.route("/api/v1/admin/storage", adminStorageRoutes(deps));
  extensions.mount?.(app);
  return app;
}
