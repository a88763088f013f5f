/** The user-facing jobs API: submit, list, get, logs, attempts, cancel, retry — each as the caller, so RLS decides. */
import { Hono } from "hono";
import { withClaims } from "../../db/withClaims.ts";
import { badRequest } from "../../errors.ts";
import { assertCanNotify } from "../../notify/assertCanNotify.ts";
import { cancelJob } from "../../queue/cancelJob.ts";
import { readJobAs } from "../../queue/findJob.ts";
import { jobAttempts } from "../../queue/jobAttempts.ts";
import { jobLogs } from "../../queue/jobLogs.ts";
import { listJobs } from "../../queue/listJobs.ts";
import { retryJob } from "../../queue/retryJob.ts";
import { submitJob } from "../../queue/submitJob.ts";
import { authenticate } from "../authenticate.ts";
import { jobIdParam } from "../jobIdParam.ts";
import { limitBody } from "../limitBody.ts";
import { hasUnstorableText, readJson, validate } from "../readBody.ts";
import { idempotencyKey, listQuery, logsQuery, submitBody } from "../schemas.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

export function jobsRoutes(deps: HttpDeps) {
  const { sql } = deps;
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken))
    .post("/submit", limitBody(deps.config.maxBodyBytes), async (c) => {
      const body = await readJson(c, submitBody);
      if (hasUnstorableText(body.payload))
        throw badRequest(
          "INVALID_PAYLOAD",
          "The payload may not contain NUL characters or unpaired surrogates",
        );
      if (body.notify)
        assertCanNotify(
          deps.config.notify,
          body.on_behalf_of ? body.on_behalf_of.user_email : c.get("identity").email,
        );
      deps.handlers?.checkPayload(body.namespace, body.job_name, body.payload);
      const headerKey = c.req.header("idempotency-key");
      const key =
        headerKey === undefined ? undefined : validate(idempotencyKey, headerKey, "Idempotency-Key header");
      const { job, created } = await withClaims(sql, c.get("identity"), (tx) =>
        submitJob(tx, c.get("identity"), { ...body, idempotency_key: key }),
      );
      return c.json(job, created ? 201 : 200);
    })
    .get("/", async (c) => {
      const filter = validate(listQuery, c.req.query(), "query");
      // The caller's own jobs whatever their role: everyone's are the admin queue's business.
      const identity = c.get("identity");
      const page = await withClaims(sql, identity, (tx) =>
        listJobs(tx, { ...filter, owner: identity.userId }),
      );
      return c.json(page);
    })
    .get("/:id", async (c) => {
      const id = jobIdParam(c.req.param("id"));
      return c.json(await readJobAs(sql, c.get("identity"), id));
    })
    .get("/:id/logs", async (c) => {
      const id = jobIdParam(c.req.param("id"));
      const { after_line } = validate(logsQuery, c.req.query(), "query");
      const logs = await withClaims(sql, c.get("identity"), (tx) => jobLogs(tx, id, after_line));
      return c.json({ logs, count: logs.length });
    })
    .get("/:id/attempts", async (c) => {
      const id = jobIdParam(c.req.param("id"));
      const attempts = await withClaims(sql, c.get("identity"), (tx) => jobAttempts(tx, id));
      return c.json({ attempts });
    })
    .post("/:id/cancel", async (c) => {
      const id = jobIdParam(c.req.param("id"));
      return c.json(await withClaims(sql, c.get("identity"), (tx) => cancelJob(tx, id)));
    })
    .post("/:id/retry", async (c) => {
      const id = jobIdParam(c.req.param("id"));
      return c.json(await withClaims(sql, c.get("identity"), (tx) => retryJob(tx, id)));
    });
}
