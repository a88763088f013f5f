/**
 * POST /api/v1/events: emit a named event as the caller (one job per subscribed function they may
 * start, in one transaction); GET /api/v1/events: the caller's own events with their jobs.
 * Admins list everyone's at GET /api/v1/admin/jobs/events (adminJobs).
 */
import { Hono } from "hono";
import { z } from "zod";
import { withClaims } from "../../db/withClaims.ts";
import { badRequest } from "../../errors.ts";
import { emitEvent } from "../../events/emitEvent.ts";
import { listEvents } from "../../events/listEvents.ts";
import { authenticate } from "../authenticate.ts";
import { limitBody } from "../limitBody.ts";
import { hasUnstorableText, readJson, validate } from "../readBody.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

export const emitBody = z
  .object({
    name: z.string().min(1).max(128),
    payload: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const eventsQuery = z
  .object({
    name: z.string().min(1).max(128).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    before: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export function eventsRoutes(deps: HttpDeps) {
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken))
    .post("/", limitBody(deps.config.maxBodyBytes), async (c) => {
      const body = await readJson(c, emitBody);
      if (hasUnstorableText(body.payload))
        throw badRequest(
          "INVALID_PAYLOAD",
          "The payload may not contain NUL characters or unpaired surrogates",
        );
      const emitted = await withClaims(deps.sql, c.get("identity"), (tx) =>
        emitEvent(tx, c.get("identity"), body.name, body.payload, {
          checkPayload: deps.handlers?.checkPayload,
        }),
      );
      return c.json(emitted, 201);
    })
    .get("/", async (c) => {
      const filter = validate(eventsQuery, c.req.query(), "query");
      // The caller's own, whatever their role: everyone's are the admin list's business.
      const identity = c.get("identity");
      const events = await withClaims(deps.sql, identity, (tx) =>
        listEvents(tx, { ...filter, emittedBy: identity.userId }),
      );
      return c.json({ events });
    });
}
