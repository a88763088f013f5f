/** GET /health: 200 once migrations ran and the server is ready, 503 before. */
import { Hono } from "hono";
import type { AppEnv, HttpDeps } from "../types.ts";

export function healthRoutes(deps: HttpDeps) {
  return new Hono<AppEnv>().get("/health", (c) =>
    deps.isReady() ? c.json({ status: "ok" }) : c.json({ status: "starting" }, 503),
  );
}
