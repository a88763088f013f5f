/** GET /api/v1/openapi.json: the machine-readable description of this API (no token needed). */
import { Hono } from "hono";
import { openApiDocument } from "../openapi/document.ts";
import type { AppEnv } from "../types.ts";

export function openApiRoutes() {
  return new Hono<AppEnv>().get("/openapi.json", (c) => c.json(openApiDocument()));
}
