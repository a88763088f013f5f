/** GET /api/v1/admin/storage/buckets: every bucket with its object count and size (admins). */
import { Hono } from "hono";
import { bucketUsage } from "../../storage/bucketUsage.ts";
import { authenticate, requireAdmin } from "../authenticate.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

export function adminStorageRoutes(deps: HttpDeps) {
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken), requireAdmin())
    .get("/buckets", async (c) => c.json({ buckets: await bucketUsage(deps.sql, c.get("identity")) }));
}
