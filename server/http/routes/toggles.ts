/**
 * Feature toggles over HTTP.
 * - `GET /api/v1/toggles/:id` (any token, run tokens included): whether the toggle is on for the
 *   caller's tenant (FLUXBASE_TENANT_CLAIM, else the user id).
 * - `/api/v1/admin/toggles` (admin or service_role): list, read (with overrides and, with
 *   `?tenant=`, the value for that tenant), set the platform value / rollout / description, remove,
 *   and per-tenant overrides; `GET /:id/history` is the audit of every flip.
 * Writes run as the caller, so the audit records who made them; each write wakes every process's
 * cache through NOTIFY, and this process's at once.
 */
import { Hono } from "hono";
import { z } from "zod";
import { withClaims } from "../../db/withClaims.ts";
import { notFound } from "../../errors.ts";
import { findToggle, listToggles, toggleHistory } from "../../toggles/readToggles.ts";
import { tenantOf } from "../../toggles/tenantOf.ts";
import { deleteOverride, putOverride, putToggle, removeToggle } from "../../toggles/toggleWrites.ts";
import { toggleIdPattern } from "../../toggles/types.ts";
import { authenticate, requireAdmin } from "../authenticate.ts";
import { limitBody } from "../limitBody.ts";
import { hasUnstorableText, readJson, validate } from "../readBody.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

const toggleId = z
  .string()
  .regex(
    toggleIdPattern,
    'expected a toggle id of lower-case letters, digits, ".", "-" and "_" (100 at most)',
  );
const tenant = z
  .string()
  .min(1, "expected a tenant")
  .max(200, "expected at most 200 characters")
  .refine((v) => !hasUnstorableText(v), "may not contain NUL characters or unpaired surrogates");
export const toggleBody = z
  .object({
    enabled: z.boolean({ error: "expected true, false or null" }).nullable().optional(),
    rollout_percent: z
      .number({ error: "expected a whole number from 0 to 100, or null" })
      .int("expected a whole number from 0 to 100, or null")
      .min(0, "expected a whole number from 0 to 100, or null")
      .max(100, "expected a whole number from 0 to 100, or null")
      .nullable()
      .optional(),
    description: z
      .string()
      .max(2000)
      .refine((v) => !hasUnstorableText(v), "may not contain NUL characters or unpaired surrogates")
      .optional(),
  })
  .strict();
export const overrideBody = z.object({ enabled: z.boolean({ error: "expected true or false" }) }).strict();
export const getQuery = z.object({ tenant: tenant.optional() }).strict();
export const historyQuery = z
  .object({
    limit: z
      .string()
      .regex(/^\d+$/, "expected a whole number")
      .transform(Number)
      .pipe(z.number().int().min(1).max(1000))
      .optional(),
  })
  .strict();

const toggleNotFound = (id: string) => notFound("TOGGLE_NOT_FOUND", `No toggle "${id}"`, { toggle: id });

export function userTogglesRoutes(deps: HttpDeps) {
  const store = deps.toggles;
  return new Hono<AppEnv>().use("*", authenticate(deps.verifyToken)).get("/:id", async (c) => {
    const id = validate(toggleId, c.req.param("id"), "toggle id");
    const who = tenantOf(c.get("identity").claims, deps.config.toggles.tenantClaim);
    return c.json({ id, on: await store.isOn(id, who), tenant: who });
  });
}

export function adminTogglesRoutes(deps: HttpDeps) {
  const store = deps.toggles;
  const { sql } = deps;
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken), requireAdmin())
    .get("/", async (c) => {
      const rows = await withClaims(sql, c.get("identity"), listToggles);
      const toggles = rows.map((row) => ({ ...row, declared: store.declared.has(row.id) }));
      return c.json({ toggles, count: toggles.length });
    })
    .get("/:id", async (c) => {
      const id = validate(toggleId, c.req.param("id"), "toggle id");
      const q = validate(getQuery, c.req.query(), "query");
      const toggle = await withClaims(sql, c.get("identity"), (tx) => findToggle(tx, id));
      if (!toggle) throw toggleNotFound(id);
      const forTenant =
        q.tenant === undefined ? {} : { tenant: q.tenant, on: await store.isOn(id, q.tenant) };
      return c.json({ ...toggle, declared: store.declared.has(id), ...forTenant });
    })
    .get("/:id/history", async (c) => {
      const id = validate(toggleId, c.req.param("id"), "toggle id");
      const q = validate(historyQuery, c.req.query(), "query");
      const changes = await withClaims(sql, c.get("identity"), (tx) => toggleHistory(tx, id, q.limit ?? 100));
      return c.json({ changes, count: changes.length });
    })
    .put("/:id", limitBody(16 * 1024), async (c) => {
      const id = validate(toggleId, c.req.param("id"), "toggle id");
      const body = await readJson(c, toggleBody);
      const identity = c.get("identity");
      const { toggle, created } = await withClaims(sql, identity, (tx) =>
        putToggle(tx, id, body, identity.userId),
      );
      store.invalidate();
      return c.json({ ...toggle, declared: store.declared.has(id) }, created ? 201 : 200);
    })
    .delete("/:id", async (c) => {
      const id = validate(toggleId, c.req.param("id"), "toggle id");
      const identity = c.get("identity");
      const removed = await withClaims(sql, identity, (tx) => removeToggle(tx, id, identity.userId));
      if (!removed) throw toggleNotFound(id);
      store.invalidate();
      return c.json(removed);
    })
    .put("/:id/tenants/:tenant", limitBody(4 * 1024), async (c) => {
      const id = validate(toggleId, c.req.param("id"), "toggle id");
      const who = validate(tenant, c.req.param("tenant"), "tenant");
      const body = await readJson(c, overrideBody);
      const identity = c.get("identity");
      const result = await withClaims(sql, identity, (tx) =>
        putOverride(tx, id, who, body.enabled, identity.userId),
      );
      if (!result) throw toggleNotFound(id);
      store.invalidate();
      return c.json({ toggle: id, ...result.override }, result.created ? 201 : 200);
    })
    .delete("/:id/tenants/:tenant", async (c) => {
      const id = validate(toggleId, c.req.param("id"), "toggle id");
      const who = validate(tenant, c.req.param("tenant"), "tenant");
      const deleted = await withClaims(sql, c.get("identity"), (tx) => deleteOverride(tx, id, who));
      if (!deleted) {
        throw notFound("OVERRIDE_NOT_FOUND", `Toggle "${id}" has no override for tenant "${who}"`, {
          toggle: id,
          tenant: who,
        });
      }
      store.invalidate();
      return c.json({ toggle: id, tenant: who, deleted: true });
    });
}
