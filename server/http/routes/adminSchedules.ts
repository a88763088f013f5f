/**
 * Schedules (admin or service_role, under /api/v1/admin/jobs/schedules): list, create, read, change,
 * delete, run now, pause and resume. Thin routes: validate, act as the caller, one schedules call.
 */
import { Hono } from "hono";
import { withClaims } from "../../db/withClaims.ts";
import { badRequest } from "../../errors.ts";
import {
  deleteSchedule,
  findSchedule,
  insertSchedule,
  listSchedules,
  triggerSchedule,
  updateSchedule,
} from "../../schedules/scheduleRows.ts";
import { limitBody } from "../limitBody.ts";
import { readJson, validate } from "../readBody.ts";
import {
  checkCronAndZone,
  createScheduleBody,
  patchScheduleBody,
  scheduleListQuery,
} from "../scheduleSchemas.ts";
import { uuid } from "../schemas.ts";
import type { AppEnv, HttpDeps } from "../types.ts";

function scheduleId(value: string): string {
  if (!uuid.safeParse(value).success)
    throw badRequest("INVALID_ID", `Schedule ids are uuids; got ${JSON.stringify(value.slice(0, 64))}`);
  return value.toLowerCase();
}

export function adminSchedulesRoutes(deps: HttpDeps) {
  const { sql } = deps;
  /** A trusted handler's payload schema applies to the payload a schedule will send it. */
  const checkPayload = (body: {
    namespace?: string;
    job_name?: string;
    payload?: Record<string, unknown>;
  }) => {
    if (body.payload && body.job_name)
      deps.handlers?.checkPayload(body.namespace ?? "default", body.job_name, body.payload);
  };
  return new Hono<AppEnv>()
    .get("/schedules", async (c) => {
      const filter = validate(scheduleListQuery, c.req.query(), "query");
      const schedules = await withClaims(sql, c.get("identity"), (tx) => listSchedules(tx, filter));
      return c.json({ schedules, count: schedules.length });
    })
    .post("/schedules", limitBody(256 * 1024), async (c) => {
      const body = checkCronAndZone(await readJson(c, createScheduleBody));
      checkPayload(body);
      return c.json(await withClaims(sql, c.get("identity"), (tx) => insertSchedule(tx, body)), 201);
    })
    .get("/schedules/:id", async (c) => {
      const id = scheduleId(c.req.param("id"));
      return c.json(await withClaims(sql, c.get("identity"), (tx) => findSchedule(tx, id)));
    })
    .patch("/schedules/:id", limitBody(256 * 1024), async (c) => {
      const id = scheduleId(c.req.param("id"));
      const body = checkCronAndZone(await readJson(c, patchScheduleBody));
      const row = await withClaims(sql, c.get("identity"), async (tx) => {
        if (body.payload) checkPayload({ ...(await findSchedule(tx, id)), ...body });
        return updateSchedule(tx, id, body);
      });
      return c.json(row);
    })
    .delete("/schedules/:id", async (c) => {
      const id = scheduleId(c.req.param("id"));
      await withClaims(sql, c.get("identity"), (tx) => deleteSchedule(tx, id));
      return c.json({ id, deleted: true });
    })
    .post("/schedules/:id/trigger", async (c) => {
      const id = scheduleId(c.req.param("id"));
      return c.json(await withClaims(sql, c.get("identity"), (tx) => triggerSchedule(tx, id)), 201);
    })
    .post("/schedules/:id/pause", async (c) => {
      const id = scheduleId(c.req.param("id"));
      return c.json(
        await withClaims(sql, c.get("identity"), (tx) => updateSchedule(tx, id, { enabled: false })),
      );
    })
    .post("/schedules/:id/resume", async (c) => {
      const id = scheduleId(c.req.param("id"));
      return c.json(
        await withClaims(sql, c.get("identity"), (tx) => updateSchedule(tx, id, { enabled: true })),
      );
    });
}
