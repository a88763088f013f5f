/**
 * Webhook subscriptions (admin or service_role) and their deliveries, plus the public key receivers
 * verify signatures with (no auth: it is public by design). Targets are checked against the address
 * rules at create and update, after DNS resolution, and again at every delivery.
 */
import { Hono } from "hono";
import { z } from "zod";
import { withClaims } from "../../db/withClaims.ts";
import { badRequest, notFound } from "../../errors.ts";
import { refusedTarget } from "../../net/addressRules.ts";
import { listDeliveries } from "../../notify/listDeliveries.ts";
import {
  deleteWebhook,
  findWebhook,
  insertWebhook,
  listWebhooks,
  updateWebhook,
  webhookEvents,
} from "../../notify/webhookRows.ts";
import { authenticate, requireAdmin } from "../authenticate.ts";
import { limitBody } from "../limitBody.ts";
import { readJson, validate } from "../readBody.ts";
import { uuid } from "../schemas.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

const url = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const parsed = new URL(value);
      return (
        (parsed.protocol === "http:" || parsed.protocol === "https:") && !parsed.username && !parsed.password
      );
    } catch {
      return false;
    }
  }, "expected an http(s) URL without credentials");
const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, "expected a name of letters, digits, - and _");
const fields = {
  url,
  events: z
    .array(z.enum(webhookEvents))
    .min(1)
    .max(4)
    .transform((events) => [...new Set(events)]),
  namespace: name.max(64).nullable().optional(),
  job_name: name.nullable().optional(),
  enabled: z.boolean(),
  description: z.string().max(500),
};
export const createBody = z
  .object({ ...fields, enabled: fields.enabled.default(true), description: fields.description.default("") })
  .strict();
export const patchBody = z
  .object(fields)
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, "expected at least one field to change");
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
});

function webhookId(value: string): string {
  if (!uuid.safeParse(value).success)
    throw badRequest("INVALID_ID", `Webhook ids are uuids; got ${JSON.stringify(value.slice(0, 64))}`);
  return value.toLowerCase();
}

const missing = (id: string) => notFound("WEBHOOK_NOT_FOUND", `No webhook ${id}`, { id });

export function adminWebhooksRoutes(deps: HttpDeps) {
  const { sql, config } = deps;
  const checkTarget = async (target: string) => {
    const refused = await refusedTarget(target, config.notify.webhookAllowPrivate);
    if (refused)
      throw badRequest("WEBHOOK_TARGET_REFUSED", `Webhooks may not target ${target}: ${refused}`, {
        url: target,
      });
  };
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken), requireAdmin())
    .get("/", async (c) => {
      const webhooks = await withClaims(sql, c.get("identity"), listWebhooks);
      return c.json({ webhooks, count: webhooks.length });
    })
    .post("/", limitBody(64 * 1024), async (c) => {
      const body = await readJson(c, createBody);
      await checkTarget(body.url);
      return c.json(await withClaims(sql, c.get("identity"), (tx) => insertWebhook(tx, body)), 201);
    })
    .get("/:id", async (c) => {
      const id = webhookId(c.req.param("id"));
      const row = await withClaims(sql, c.get("identity"), (tx) => findWebhook(tx, id));
      if (!row) throw missing(id);
      return c.json(row);
    })
    .patch("/:id", limitBody(64 * 1024), async (c) => {
      const id = webhookId(c.req.param("id"));
      const body = await readJson(c, patchBody);
      if (body.url) await checkTarget(body.url);
      const row = await withClaims(sql, c.get("identity"), (tx) => updateWebhook(tx, id, body));
      if (!row) throw missing(id);
      return c.json(row);
    })
    .delete("/:id", async (c) => {
      const id = webhookId(c.req.param("id"));
      if (!(await withClaims(sql, c.get("identity"), (tx) => deleteWebhook(tx, id)))) throw missing(id);
      return c.json({ id, deleted: true });
    })
    .get("/:id/deliveries", async (c) => {
      const id = webhookId(c.req.param("id"));
      const { limit, offset } = validate(pageQuery, c.req.query(), "query");
      const deliveries = await withClaims(sql, c.get("identity"), async (tx) => {
        if (!(await findWebhook(tx, id))) throw missing(id);
        return listDeliveries(tx, id, limit, offset);
      });
      return c.json({ deliveries, count: deliveries.length });
    });
}

/** GET /api/v1/webhooks/public-key: the PEM that verifies every delivery's X-Webhook-Signature. */
export function webhookPublicKeyRoutes(publicKeyPem: string) {
  return new Hono<AppEnv>().get("/public-key", (c) =>
    c.body(publicKeyPem, 200, { "content-type": "application/x-pem-file; charset=utf-8" }),
  );
}
