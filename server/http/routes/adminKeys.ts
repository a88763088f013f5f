/**
 * API keys, admins only: POST /api/v1/admin/keys creates one (the key is in this answer only),
 * GET lists them (never a secret), DELETE /api/v1/admin/keys/:name revokes the live key of that name.
 */
import { Hono } from "hono";
import { z } from "zod";
import { parseDuration } from "../../config/resolveConfig.ts";
import { withClaims } from "../../db/withClaims.ts";
import { createApiKey, KEY_SCOPES, listApiKeys, revokeApiKey } from "../../keys/apiKeys.ts";
import { authenticate, requireAdmin } from "../authenticate.ts";
import { readJson, validate } from "../readBody.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

const keyName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "expected letters, digits, . _ and - (64 at most)");

export const createKeyBody = z
  .object({
    name: keyName,
    scopes: z.array(z.enum(KEY_SCOPES as ["jobs:read", "jobs:write"])).min(1),
    namespace: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "expected a namespace of letters, digits, - and _")
      .optional(),
    /** How long the key works: "90d", "12h", "30m" or seconds. */
    expires_in: z
      .string()
      .refine((text) => (parseDuration(text) ?? 0) > 0, 'expected a duration such as "90d", "12h" or "3600"')
      .optional(),
  })
  .strict();

export function adminKeysRoutes(deps: HttpDeps) {
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken), requireAdmin())
    .get("/", async (c) => {
      const keys = await withClaims(deps.sql, c.get("identity"), (tx) => listApiKeys(tx));
      return c.json({ keys });
    })
    .post("/", async (c) => {
      const body = await readJson(c, createKeyBody);
      const identity = c.get("identity");
      const created = await withClaims(deps.sql, identity, (tx) =>
        createApiKey(tx, {
          name: body.name,
          scopes: [...new Set(body.scopes)],
          namespace: body.namespace ?? null,
          expiresInMs: body.expires_in ? parseDuration(body.expires_in) : null,
          createdBy: identity.userId,
        }),
      );
      return c.json(created, 201);
    })
    .delete("/:name", async (c) => {
      const name = validate(keyName, c.req.param("name"), "key name");
      return c.json(await withClaims(deps.sql, c.get("identity"), (tx) => revokeApiKey(tx, name)));
    });
}
