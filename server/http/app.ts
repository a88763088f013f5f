/** The Hono application: routes mounted under their prefixes, one error handler, JSON 404s. */
import { Hono } from "hono";
import { restRoutes } from "../rest/restRoutes.ts";
import { authenticate, requireAdmin } from "./authenticate.ts";
import { corsMiddleware } from "./cors.ts";
import { createErrorHandler } from "./onError.ts";
import { adminFunctionsRoutes } from "./routes/adminFunctions.ts";
import { adminJobsRoutes } from "./routes/adminJobs.ts";
import { examplesRoutes } from "./routes/examples.ts";
import { healthRoutes } from "./routes/health.ts";
import { homeRoutes } from "./routes/home.ts";
import { jobsRoutes } from "./routes/jobs.ts";
import { adminSecretsRoutes, userSecretsRoutes } from "./routes/secrets.ts";
import type { AppEnv, HttpDeps } from "./types.ts";

export interface HttpExtensions {
  /** Extra route groups mounted by the composition root (functions admin, REST, ...). */
  mount?: (app: Hono<AppEnv>) => void;
}

export function createHttpApp(deps: HttpDeps, extensions: HttpExtensions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger));
  app.notFound((c) =>
    c.json({ error: `No route for ${c.req.method} ${c.req.path}`, code: "ROUTE_NOT_FOUND" }, 404),
  );
  // First, so preflights are answered before any route's authentication.
  app.use("*", corsMiddleware(deps.config.corsOrigins));
  app.route("/", healthRoutes(deps));
  app.route("/", homeRoutes());
  app.route("/api/v1/jobs", jobsRoutes(deps));
  app.route("/examples", examplesRoutes());
  // Admin routes share one authentication step: admin or service_role only.
  const admin = new Hono<AppEnv>().use("*", authenticate(deps.verifyToken), requireAdmin());
  admin.route("/", adminJobsRoutes(deps));
  admin.route("/", adminFunctionsRoutes(deps));
  app.route("/api/v1/admin/jobs", admin);
  app.route("/rest/v1", restRoutes(deps));
  app.route("/api/v1/admin/secrets", adminSecretsRoutes(deps));
  app.route("/api/v1/secrets", userSecretsRoutes(deps));
  extensions.mount?.(app);
  return app;
}
