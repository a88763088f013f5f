/** The user-facing jobs API: submit, list, get, logs, attempts, cancel, retry — each as the caller, so RLS decides. */
import { Hono } from "hono";
import type { Identity } from "../../auth/identity.ts";
import { withClaims } from "../../db/withClaims.ts";
import { badRequest, forbidden } from "../../errors.ts";
import { keyIdentity, verifyApiKey } from "../../keys/apiKeys.ts";
import { assertCanNotify } from "../../notify/assertCanNotify.ts";
import { cancelJob } from "../../queue/cancelJob.ts";
import { jobNotFound, readJobAs } from "../../queue/findJob.ts";
import { jobAttempts } from "../../queue/jobAttempts.ts";
import { jobLogs } from "../../queue/jobLogs.ts";
import { listJobs } from "../../queue/listJobs.ts";
import { retryJob } from "../../queue/retryJob.ts";
import { submitAsCaller } from "../../queue/submitAsCaller.ts";
import { authenticate, requireScope } from "../authenticate.ts";
import { jobIdParam } from "../jobIdParam.ts";
import { limitBody } from "../limitBody.ts";
import { hasUnstorableText, readJson, validate } from "../readBody.ts";
import { idempotencyKey, listQuery, logsQuery, submitBody } from "../schemas.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

export function jobsRoutes(deps: HttpDeps) {
  const { sql } = deps;
  const verifyKey = async (key: string) => keyIdentity(await verifyApiKey(sql, key), key);
  /** The job as the caller sees it; with a namespaced API key, a job of another namespace does not exist. */
  const readConfined = async (identity: Identity, id: string) => {
    const job = await readJobAs(sql, identity, id);
    if (identity.key?.namespace && job.namespace !== identity.key.namespace) throw jobNotFound(id);
    return job;
  };
  /** Refuses, before a route acts, a job its namespaced API key may not reach. */
  const confine = async (identity: Identity, id: string) => {
    if (identity.key?.namespace) await readConfined(identity, id);
  };
  return new Hono<AppEnv>()
    .use("*", authenticate(deps.verifyToken, { verifyKey }))
    .post("/submit", requireScope("jobs:write"), limitBody(deps.config.maxBodyBytes), async (c) => {
      const body = await readJson(c, submitBody);
      const keyNamespace = c.get("identity").key?.namespace;
      if (keyNamespace && body.namespace !== keyNamespace)
        throw forbidden("KEY_NAMESPACE_FORBIDDEN", `This key submits to namespace "${keyNamespace}" only`, {
          namespace: body.namespace,
          key_namespace: keyNamespace,
        });
      if (hasUnstorableText(body.payload))
        throw badRequest(
          "INVALID_PAYLOAD",
          "The payload may not contain NUL characters or unpaired surrogates",
        );
      // Refused here rather than by Postgres, which would fail the transaction this submit shares.
      const { payload: _payload, ...options } = body;
      if (hasUnstorableText(options))
        throw badRequest("INVALID_TEXT", "Text may not contain NUL characters or unpaired surrogates");
      if (body.notify)
        assertCanNotify(
          deps.config.notify,
          body.on_behalf_of ? body.on_behalf_of.user_email : c.get("identity").email,
        );
      deps.handlers?.checkPayload(body.namespace, body.job_name, body.payload);
      const headerKey = c.req.header("idempotency-key");
      const key =
        headerKey === undefined ? undefined : validate(idempotencyKey, headerKey, "Idempotency-Key header");
      const { job, created } = await submitAsCaller(sql, c.get("identity"), {
        ...body,
        idempotency_key: key,
      });
      return c.json(job, created ? 201 : 200);
    })
    .get("/", requireScope("jobs:read"), async (c) => {
      const filter = validate(listQuery, c.req.query(), "query");
      const identity = c.get("identity");
      // The caller's own jobs whatever their role: everyone's are the admin queue's business. A
      // key reads every job of its namespace (or of all, without one).
      const keyNamespace = identity.key?.namespace;
      if (keyNamespace && filter.namespace !== undefined && filter.namespace !== keyNamespace)
        throw forbidden("KEY_NAMESPACE_FORBIDDEN", `This key reads namespace "${keyNamespace}" only`, {
          namespace: filter.namespace,
          key_namespace: keyNamespace,
        });
      const scope = identity.key
        ? { namespace: keyNamespace ?? filter.namespace }
        : { owner: identity.userId };
      const page = await withClaims(sql, identity, (tx) => listJobs(tx, { ...filter, ...scope }));
      return c.json(page);
    })
    .get("/:id", requireScope("jobs:read"), async (c) => {
      const id = jobIdParam(c.req.param("id"));
      return c.json(await readConfined(c.get("identity"), id));
    })
    .get("/:id/logs", requireScope("jobs:read"), async (c) => {
      const id = jobIdParam(c.req.param("id"));
      await confine(c.get("identity"), id);
      const { after_line } = validate(logsQuery, c.req.query(), "query");
      const logs = await withClaims(sql, c.get("identity"), (tx) => jobLogs(tx, id, after_line));
      return c.json({ logs, count: logs.length });
    })
    .get("/:id/attempts", requireScope("jobs:read"), async (c) => {
      const id = jobIdParam(c.req.param("id"));
      await confine(c.get("identity"), id);
      const attempts = await withClaims(sql, c.get("identity"), (tx) => jobAttempts(tx, id));
      return c.json({ attempts });
    })
    .post("/:id/cancel", requireScope("jobs:write"), async (c) => {
      const id = jobIdParam(c.req.param("id"));
      await confine(c.get("identity"), id);
      return c.json(await withClaims(sql, c.get("identity"), (tx) => cancelJob(tx, id)));
    })
    .post("/:id/retry", requireScope("jobs:write"), async (c) => {
      const id = jobIdParam(c.req.param("id"));
      await confine(c.get("identity"), id);
      return c.json(await withClaims(sql, c.get("identity"), (tx) => retryJob(tx, id)));
    });
}
