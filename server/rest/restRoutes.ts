/**
 * The PostgREST-compatible REST API, mounted at `/rest/v1`: the subset `@supabase/postgrest-js` uses,
 * over the tables, views and functions of the exposed schemas (`restSchemas`, never the server's own).
 * Every request is authenticated like the jobs API and runs as the caller, so RLS decides.
 *
 * A PATCH or DELETE without any filter is refused (400, code 21000) unless the request says so
 * explicitly with `Prefer: allow-unfiltered`, or bounds it with `Prefer: handling=strict, max-affected=<n>`.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { authenticate } from "../http/authenticate.ts";
import type { AppEnv, HttpDeps } from "../http/types.ts";
import { createCatalogCache } from "./catalogCache.ts";
import { resolveExposedSchemas } from "./exposedSchemas.ts";
import { handleRead } from "./handleRead.ts";
import { handleRpc } from "./handleRpc.ts";
import { handleWrite } from "./handleWrite.ts";
import { restErrorHandler } from "./onRestError.ts";
import type { RestContext } from "./restContext.ts";
import { RestError } from "./restError.ts";

export function restRoutes(deps: HttpDeps): Hono<AppEnv> {
  const { schemas, refused } = resolveExposedSchemas(deps.config.restSchemas);
  for (const refusal of refused) deps.logger.warn("schema not exposed through REST", { ...refusal });
  const cache = createCatalogCache({ sql: deps.sql, schemas, logger: deps.logger });
  const ctx: RestContext = { deps, schemas, cache };
  const maxSize = deps.config.maxBodyBytes;
  const unsupported = (method: string) =>
    new RestError(405, "PGRST117", `Unsupported HTTP method: ${method}`);

  const app = new Hono<AppEnv>();
  app.onError(restErrorHandler(deps.logger));
  app.use("*", authenticate(deps.verifyToken));
  const limit = bodyLimit({
    maxSize,
    onError: () => {
      throw new RestError(413, "PGRST413", `The request body is larger than ${maxSize} bytes`);
    },
  });
  // Only requests with a body: touching a GET's body makes @hono/node-server build a full Request.
  app.use("*", (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" ? next() : limit(c, next)));
  app.get("/rpc/:fn", (c) => handleRpc(ctx, c));
  app.post("/rpc/:fn", (c) => handleRpc(ctx, c));
  app.all("/rpc/:fn", (c) => {
    throw unsupported(c.req.method);
  });
  app.get("/:relation", (c) => handleRead(ctx, c));
  app.post("/:relation", (c) => handleWrite(ctx, c));
  app.patch("/:relation", (c) => handleWrite(ctx, c));
  app.delete("/:relation", (c) => handleWrite(ctx, c));
  app.all("/:relation", (c) => {
    throw unsupported(c.req.method);
  });
  return app;
}
