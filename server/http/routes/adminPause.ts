/**
 * Pause and resume: POST /api/v1/admin/jobs/namespaces/:ns/pause|resume and
 * /api/v1/admin/jobs/functions/:namespace/:name/pause|resume; GET /api/v1/admin/jobs/paused.
 * Claims stop at once (the next claim reads the table); submits are still accepted and wait.
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import { withClaims } from "../../db/withClaims.ts";
import { FUNCTION_NAME_PATTERN, NAMESPACE_PATTERN } from "../../functions/types.ts";
import { listPausedQueues, pauseQueue, resumeQueue } from "../../queue/pausedQueues.ts";
import { validate } from "../../validation.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

const target = z.object({
  namespace: z.string().regex(NAMESPACE_PATTERN, "expected letters, digits, - and _"),
  name: z.string().regex(FUNCTION_NAME_PATTERN, "expected letters, digits, - and _").optional(),
});

export function adminPauseRoutes(deps: HttpDeps) {
  const routes = new Hono<AppEnv>();
  const act = (action: "pause" | "resume") => async (c: Context<AppEnv>) => {
    const { namespace, name } = validate(
      target,
      {
        namespace: c.req.param("namespace") ?? c.req.query("namespace") ?? "default",
        name: c.req.param("name"),
      },
      "path",
    );
    const identity = c.get("identity");
    const jobName = name ?? null;
    if (action === "pause") {
      const row = await withClaims(deps.sql, identity, (tx) =>
        pauseQueue(tx, namespace, jobName, identity.userId),
      );
      return c.json({ ...row, paused: true });
    }
    const was = await withClaims(deps.sql, identity, (tx) => resumeQueue(tx, namespace, jobName));
    return c.json({ namespace, job_name: jobName, paused: false, was_paused: was });
  };
  return routes
    .get("/paused", async (c) =>
      c.json({ paused: await withClaims(deps.sql, c.get("identity"), listPausedQueues) }),
    )
    .post("/namespaces/:namespace/pause", act("pause"))
    .post("/namespaces/:namespace/resume", act("resume"))
    .post("/functions/:name/pause", act("pause"))
    .post("/functions/:name/resume", act("resume"))
    .post("/functions/:namespace/:name/pause", act("pause"))
    .post("/functions/:namespace/:name/resume", act("resume"));
}
