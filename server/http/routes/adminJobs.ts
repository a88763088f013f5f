/** Admin view of the queue and the workers (admin or service_role; RLS policies grant admins all rows). */

import { Hono } from "hono";
import { z } from "zod";
import { withClaims } from "../../db/withClaims.ts";
import { listEvents } from "../../events/listEvents.ts";
import { bulkAction, selectJobIds } from "../../queue/bulkJobs.ts";
import { cancelJob } from "../../queue/cancelJob.ts";
import { readJobAs } from "../../queue/findJob.ts";
import { jobStats } from "../../queue/jobStats.ts";
import { jobTimeline } from "../../queue/jobTimeline.ts";
import { listJobs } from "../../queue/listJobs.ts";
import { listNamespaces, listWorkers } from "../../queue/listWorkers.ts";
import { purgeBatch } from "../../queue/purgeJobs.ts";
import { resubmitJob } from "../../queue/resubmitJob.ts";
import { retryJob } from "../../queue/retryJob.ts";
import { jobIdParam } from "../jobIdParam.ts";
import { readJson, validate } from "../readBody.ts";
import { adminListQuery, BULK_LIMIT, bulkBody, purgeQuery } from "../schemas.ts";
import type { AppEnv, HttpDeps } from "../types.ts";
import { eventsQuery } from "./events.ts";

export const statsQuery = z.object({ namespace: z.string().max(64).optional() });
export const timelineQuery = z
  .object({ range: z.enum(["hour", "day"]).default("hour"), namespace: z.string().max(64).optional() })
  .strict();
const PURGE_BATCH = 1000;

export function adminJobsRoutes(deps: HttpDeps) {
  const { sql } = deps;
  const asCaller = <T>(
    identity: Parameters<typeof withClaims>[1],
    work: Parameters<typeof withClaims<T>>[2],
  ) => withClaims<T>(sql, identity, work);
  return new Hono<AppEnv>()
    .get("/namespaces", async (c) =>
      c.json({ namespaces: await asCaller(c.get("identity"), listNamespaces) }),
    )
    .get("/queue", async (c) => {
      const filter = validate(adminListQuery, c.req.query(), "query");
      return c.json(await asCaller(c.get("identity"), (tx) => listJobs(tx, filter)));
    })
    .delete("/queue", async (c) => {
      const query = validate(purgeQuery, c.req.query(), "query");
      const filter = {
        statuses: query.status,
        olderThanMs: query.older_than,
        jobName: query.job_name,
        namespace: query.namespace,
      };
      let deleted = 0;
      // Batch by batch, each its own transaction as the caller: no long lock, RLS decides.
      for (;;) {
        const n = await asCaller(c.get("identity"), (tx) => purgeBatch(tx, filter, PURGE_BATCH));
        deleted += n;
        if (n < PURGE_BATCH) break;
      }
      return c.json({ deleted });
    })
    .post("/queue/bulk", async (c) => {
      const body = await readJson(c, bulkBody);
      const identity = c.get("identity");
      const results = await asCaller(identity, async (tx) => {
        const ids = body.ids ?? (await selectJobIds(tx, body.filter ?? {}, BULK_LIMIT));
        return bulkAction(tx, body.action, [...new Set(ids)]);
      });
      const counts: Record<string, number> = {};
      for (const result of results) counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
      return c.json({ action: body.action, counts, results });
    })
    .get("/queue/:id", async (c) => {
      const id = jobIdParam(c.req.param("id"));
      return c.json(await readJobAs(sql, c.get("identity"), id));
    })
    .post("/queue/:id/cancel", async (c) => {
      const id = jobIdParam(c.req.param("id"));
      return c.json(await asCaller(c.get("identity"), (tx) => cancelJob(tx, id, "cancel")));
    })
    .post("/queue/:id/terminate", async (c) => {
      const id = jobIdParam(c.req.param("id"));
      return c.json(await asCaller(c.get("identity"), (tx) => cancelJob(tx, id, "terminate")));
    })
    .post("/queue/:id/retry", async (c) => {
      const id = jobIdParam(c.req.param("id"));
      return c.json(await asCaller(c.get("identity"), (tx) => retryJob(tx, id)));
    })
    .get("/events", async (c) => {
      const filter = validate(eventsQuery, c.req.query(), "query");
      const events = await asCaller(c.get("identity"), (tx) => listEvents(tx, filter));
      return c.json({ events });
    })
    .post("/queue/:id/resubmit", async (c) => {
      const id = jobIdParam(c.req.param("id"));
      return c.json(await asCaller(c.get("identity"), (tx) => resubmitJob(tx, id)), 201);
    })
    .get("/stats", async (c) => {
      const { namespace } = validate(statsQuery, c.req.query(), "query");
      return c.json(
        await asCaller(c.get("identity"), (tx) => jobStats(tx, deps.config.jobs.workerTimeout, namespace)),
      );
    })
    .get("/stats/timeline", async (c) => {
      const { range, namespace } = validate(timelineQuery, c.req.query(), "query");
      return c.json(await asCaller(c.get("identity"), (tx) => jobTimeline(tx, range, namespace)));
    })
    .get("/workers", async (c) => c.json({ workers: await asCaller(c.get("identity"), listWorkers) }));
}
