/**
 * Schedules as data through the admin API and the SDK: create, read, change, pause, resume, run now
 * and delete; every bad input is a 400 with its reason; only admins and the service role reach
 * them; annotation schedules are rows whose cron belongs to the function. No workers run here, so
 * the jobs a schedule starts stay pending where the tests look at them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FluxbaseClient } from "../../sdk/src/index.ts";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let admin: TestUser;
let alice: TestUser;
let client: FluxbaseClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.user("admin");
  alice = await server.user();
  client = createClient(server.url, { serviceKey: server.serviceKey });
  await insertFunction(server, { name: "report" });
  await insertFunction(server, { name: "report", namespace: "billing" });
}, 60_000);
afterAll(() => server.stop());

const call = async (method: string, route: string, body?: unknown, token = admin.token) => {
  const response = await server.request(method, `/api/v1/admin/jobs/schedules${route}`, { token, body });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};

const dbNow = async () => (await server.db.sql<{ now: Date }[]>`select now() as now`)[0]!.now;

describe("schedules through the admin API", () => {
  it("creates a schedule with its defaults and the next fire time in its time zone", async () => {
    const before = await dbNow();
    const { status, body } = await call("POST", "", {
      name: "nightly",
      job_name: "report",
      cron: "30 2 * * *",
      timezone: "Europe/Paris",
      payload: { format: "pdf" },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      name: "nightly",
      namespace: "default",
      job_name: "report",
      cron: "30 2 * * *",
      timezone: "Europe/Paris",
      payload: { format: "pdf" },
      enabled: true,
      max_retries: null,
      backoff: null,
      overlap: "skip",
      misfire: "skip",
      source: "api",
      last_run_at: null,
      last_job_id: null,
    });
    const next = new Date(body.next_run_at);
    expect(next.getTime()).toBeGreaterThan(before.getTime());
    expect(next.getTime() - before.getTime()).toBeLessThanOrEqual(24 * 3600_000);
    // 02:30 in Paris is 00:30 or 01:30 UTC, depending on the season.
    expect(next.getUTCMinutes()).toBe(30);
    expect([0, 1]).toContain(next.getUTCHours());
    expect((await call("GET", `/${body.id}`)).body).toEqual(body);
  });

  it("accepts @yearly, @monthly, @weekly, @daily, @hourly and six fields", async () => {
    for (const cron of ["@yearly", "@monthly", "@weekly", "@daily", "@hourly", "*/10 * * * * *"]) {
      const name = `nick-${cron.replace(/[^a-z0-9]/g, "") || "sec"}`;
      const { status, body } = await call("POST", "", { name, job_name: "report", cron });
      expect(status, cron).toBe(201);
      expect(body.next_run_at).not.toBeNull();
    }
    const hourly = (await call("GET", "?job_name=report")).body.schedules.find(
      (s: { name: string }) => s.name === "nick-hourly",
    );
    expect(new Date(hourly.next_run_at).getUTCMinutes()).toBe(0);
  });

  it.each([
    [{ cron: "0 2 * *" }, 400, "INVALID_CRON", "found 4 fields"],
    [{ cron: "61 * * * *" }, 400, "INVALID_CRON", "Invalid value for minute: 61"],
    [{ cron: "@reboot" }, 400, "INVALID_CRON", "expected one of @yearly"],
    [{ cron: "0 0 31 2 *" }, 400, "INVALID_CRON", "never does"],
    [{ timezone: "Mars/Olympus" }, 400, "INVALID_TIMEZONE", "unknown time zone"],
    [{ timezone: "+02:00" }, 400, "INVALID_TIMEZONE", "expected an IANA time zone"],
    [{ overlap: "queue" }, 400, "VALIDATION_ERROR", "overlap"],
    [{ misfire: "always" }, 400, "VALIDATION_ERROR", "misfire"],
    [{ max_retries: -1 }, 400, "VALIDATION_ERROR", "max_retries"],
    [{ backoff: { base_ms: 5000, max_ms: 10 } }, 400, "VALIDATION_ERROR", "max_ms"],
    [{ name: "no spaces" }, 400, "VALIDATION_ERROR", "name"],
    [{ payload: [1, 2] }, 400, "VALIDATION_ERROR", "payload"],
    [{ surprise: true }, 400, "VALIDATION_ERROR", "surprise"],
    [{ job_name: "missing" }, 404, "FUNCTION_NOT_FOUND", "missing"],
    [{ namespace: "elsewhere" }, 404, "FUNCTION_NOT_FOUND", "elsewhere"],
  ])("refuses %j with %i %s", async (change, status, code, reason) => {
    const body = { name: "bad", job_name: "report", cron: "@daily", ...change };
    const answer = await call("POST", "", body);
    expect(answer.status).toBe(status);
    expect(answer.body.code).toBe(code);
    expect(`${answer.body.error} ${JSON.stringify(answer.body)}`).toContain(reason);
    expect((await call("GET", "?job_name=report")).body.schedules.map((s: any) => s.name)).not.toContain(
      "bad",
    );
  });

  it("refuses a second schedule of the same name in a namespace, not in another", async () => {
    expect((await call("POST", "", { name: "twice", job_name: "report", cron: "@daily" })).status).toBe(201);
    const again = await call("POST", "", { name: "twice", job_name: "report", cron: "@hourly" });
    expect(again).toMatchObject({ status: 409, body: { code: "SCHEDULE_EXISTS" } });
    const other = await call("POST", "", {
      name: "twice",
      namespace: "billing",
      job_name: "report",
      cron: "@hourly",
    });
    expect(other.status).toBe(201);
  });

  it("changes a schedule: a new cron or time zone moves next_run_at; bad changes are 400s", async () => {
    const { body: created } = await call("POST", "", {
      name: "movable",
      job_name: "report",
      cron: "@yearly",
    });
    const { status, body } = await call("PATCH", `/${created.id}`, {
      cron: "0 * * * *",
      payload: { n: 1 },
      max_retries: 0,
      backoff: { base_ms: 100, max_ms: 1000 },
      overlap: "allow",
      misfire: "run_once",
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      cron: "0 * * * *",
      payload: { n: 1 },
      max_retries: 0,
      backoff: { base_ms: 100, max_ms: 1000 },
      overlap: "allow",
      misfire: "run_once",
    });
    expect(new Date(body.next_run_at).getTime() - (await dbNow()).getTime()).toBeLessThanOrEqual(3600_000);
    expect(new Date(body.updated_at).getTime()).toBeGreaterThan(new Date(created.updated_at).getTime());
    const bad = await call("PATCH", `/${created.id}`, { cron: "every day" });
    expect(bad).toMatchObject({ status: 400, body: { code: "INVALID_CRON" } });
    expect(bad.body.reason).toContain("found 2 fields");
    expect((await call("PATCH", `/${created.id}`, {})).status).toBe(400);
    expect((await call("PATCH", `/${created.id}`, { job_name: "nope" })).body.code).toBe(
      "FUNCTION_NOT_FOUND",
    );
    expect((await call("PATCH", `/${created.id}`, { name: "twice" })).body.code).toBe("SCHEDULE_EXISTS");
  });

  it("pauses (no next_run_at) and resumes (the next fire time after now)", async () => {
    const { body: created } = await call("POST", "", {
      name: "pausable",
      job_name: "report",
      cron: "@hourly",
    });
    const paused = await call("POST", `/${created.id}/pause`);
    expect(paused.body).toMatchObject({ enabled: false, next_run_at: null });
    const resumed = await call("POST", `/${created.id}/resume`);
    expect(resumed.body.enabled).toBe(true);
    expect(new Date(resumed.body.next_run_at).getTime()).toBeGreaterThan((await dbNow()).getTime() - 1000);
  });

  it("runs a schedule now: 201 with the job, which counts as a run for overlap skip", async () => {
    const { body: schedule } = await call("POST", "", {
      name: "on-demand",
      job_name: "report",
      cron: "@yearly",
      payload: { source: "button" },
      max_retries: 1,
      backoff: { base_ms: 50, max_ms: 500 },
    });
    const first = await call("POST", `/${schedule.id}/trigger`);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      job_name: "report",
      namespace: "default",
      status: "pending",
      max_retries: 1,
      created_by: null,
      user_role: "service_role",
      payload: { source: "button", scheduled_for: expect.any(String) },
      trigger: "cron_trigger",
      schedule_id: schedule.id,
    });
    // Lists filter by how a job started.
    const listed = await server.request("GET", "/api/v1/admin/jobs/queue?trigger=cron_trigger", {
      token: server.serviceKey,
    });
    expect((await listed.json()).jobs.map((job: { id: string }) => job.id)).toContain(first.body.id);
    const bad = await server.request("GET", "/api/v1/admin/jobs/queue?trigger=button", {
      token: server.serviceKey,
    });
    expect(bad.status).toBe(400);
    const [row] = await server.db.sql`
      select backoff_base_ms, backoff_max_ms from jobs.queue where id = ${first.body.id}`;
    expect(row).toEqual({ backoff_base_ms: 50, backoff_max_ms: 500 });
    const again = await call("POST", `/${schedule.id}/trigger`);
    expect(again).toMatchObject({
      status: 409,
      body: { code: "SCHEDULE_RUN_ACTIVE", existing_run_id: first.body.id },
    });
    const after = (await call("GET", `/${schedule.id}`)).body;
    expect(after.last_job_id).toBe(first.body.id);
    expect(after.last_run_at).not.toBeNull();
    // With overlap "allow" a second run starts while the first is pending.
    await call("PATCH", `/${schedule.id}`, { overlap: "allow" });
    expect((await call("POST", `/${schedule.id}/trigger`)).status).toBe(201);
    // A paused schedule still runs when asked to.
    await call("POST", `/${schedule.id}/pause`);
    expect((await call("POST", `/${schedule.id}/trigger`)).status).toBe(201);
  });

  it("says why a run could not start: function disabled or gone", async () => {
    await insertFunction(server, { name: "fragile" });
    const { body: schedule } = await call("POST", "", {
      name: "fragile",
      job_name: "fragile",
      cron: "@daily",
    });
    await server.db.sql`update jobs.functions set enabled = false where name = 'fragile'`;
    expect((await call("POST", `/${schedule.id}/trigger`)).body.code).toBe("FUNCTION_DISABLED");
    await server.db.sql`delete from jobs.functions where name = 'fragile'`;
    const gone = await call("POST", `/${schedule.id}/trigger`);
    expect(gone).toMatchObject({ status: 404, body: { code: "FUNCTION_NOT_FOUND" } });
  });

  it("deletes an API schedule; unknown and malformed ids are 404 and 400", async () => {
    const { body: schedule } = await call("POST", "", { name: "doomed", job_name: "report", cron: "@daily" });
    expect(await call("DELETE", `/${schedule.id}`)).toEqual({
      status: 200,
      body: { id: schedule.id, deleted: true },
    });
    for (const route of [`/${schedule.id}`, `/${schedule.id}/trigger`, `/${schedule.id}/pause`]) {
      const method = route.endsWith(schedule.id) ? "GET" : "POST";
      expect((await call(method, route)).body.code).toBe("SCHEDULE_NOT_FOUND");
    }
    expect((await call("DELETE", `/${schedule.id}`)).status).toBe(404);
    expect(await call("GET", "/not-a-uuid")).toMatchObject({ status: 400, body: { code: "INVALID_ID" } });
  });

  it("is for admins and the service role only; the table itself refuses everyone else", async () => {
    expect((await call("GET", "", undefined, alice.token)).status).toBe(403);
    expect(
      (await call("POST", "", { name: "x", job_name: "report", cron: "@daily" }, alice.token)).status,
    ).toBe(403);
    const anonymous = await server.request("GET", "/api/v1/admin/jobs/schedules");
    expect(anonymous.status).toBe(401);
    const service = await call("GET", "", undefined, server.serviceKey);
    expect(service.body.count).toBeGreaterThan(0);
    // Row-level security is forced: a signed-in non-admin reading the table sees nothing.
    const rows = await server.db.sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true),
        set_config('request.jwt.claims', ${JSON.stringify({ role: "authenticated", sub: alice.id })}, true)`;
      return tx`select id from jobs.schedules`;
    });
    expect(rows).toEqual([]);
  });
});

describe("annotation schedules", () => {
  it("a function's schedule becomes a row named after it; its cron belongs to the function", async () => {
    await insertFunction(server, { name: "annotated" });
    await server.db.sql`update jobs.functions set schedule = '*/5 * * * *' where name = 'annotated'`;
    const [row] = (await call("GET", "?source=annotation")).body.schedules.filter(
      (s: { name: string }) => s.name === "annotated",
    );
    expect(row).toMatchObject({
      job_name: "annotated",
      cron: "*/5 * * * *",
      source: "annotation",
      enabled: true,
    });
    const changeCron = await call("PATCH", `/${row.id}`, { cron: "@daily" });
    expect(changeCron).toMatchObject({
      status: 409,
      body: { code: "SCHEDULE_FROM_ANNOTATION", fields: ["cron"] },
    });
    expect((await call("DELETE", `/${row.id}`)).body.code).toBe("SCHEDULE_FROM_ANNOTATION");
    // What the annotation does not say is the admin's: payload, time zone, policies, paused.
    const changed = await call("PATCH", `/${row.id}`, { payload: { kept: true }, timezone: "Asia/Tokyo" });
    expect(changed.status).toBe(200);
    await call("POST", `/${row.id}/pause`);
    await server.db.sql`update jobs.functions set schedule = '*/10 * * * *' where name = 'annotated'`;
    expect((await call("GET", `/${row.id}`)).body).toMatchObject({
      cron: "*/10 * * * *",
      payload: { kept: true },
      timezone: "Asia/Tokyo",
      enabled: false,
    });
    await server.db.sql`update jobs.functions set schedule = null where name = 'annotated'`;
    expect((await call("GET", `/${row.id}`)).status).toBe(404);
  });

  it("an API schedule holding the name is an error on the function until it goes", async () => {
    await insertFunction(server, { name: "contested" });
    const { body: squatter } = await call("POST", "", {
      name: "contested",
      job_name: "report",
      cron: "@daily",
    });
    await server.db.sql`update jobs.functions set schedule = '@hourly' where name = 'contested'`;
    const fn = await server.request("GET", "/api/v1/admin/jobs/functions/default/contested", {
      token: admin.token,
    });
    expect((await fn.json()).setup_error).toContain("a schedule named contested was created through the API");
    await call("DELETE", `/${squatter.id}`);
    const fixed = await (
      await server.request("GET", "/api/v1/admin/jobs/functions/default/contested", { token: admin.token })
    ).json();
    expect(fixed.setup_error).toBeNull();
    const rows = (await call("GET", "?job_name=contested")).body.schedules;
    expect(rows).toMatchObject([{ name: "contested", source: "annotation", cron: "@hourly" }]);
  });

  it("goes with its function", async () => {
    await insertFunction(server, { name: "short-lived" });
    await server.db.sql`update jobs.functions set schedule = '@daily' where name = 'short-lived'`;
    expect((await call("GET", "?job_name=short-lived")).body.count).toBe(1);
    await server.db.sql`delete from jobs.functions where name = 'short-lived'`;
    expect((await call("GET", "?job_name=short-lived")).body.count).toBe(0);
  });
});

describe("client.admin.jobs.schedules", () => {
  it("lists, creates, gets, updates, triggers, pauses, resumes and deletes", async () => {
    const schedules = client.admin.jobs.schedules;
    const created = await schedules.create({
      name: "sdk-made",
      job_name: "report",
      cron: "0 9 * * MON-FRI",
      timezone: "America/New_York",
    });
    expect(created.error).toBeNull();
    const id = created.data!.id;
    expect((await schedules.get(id)).data).toMatchObject({ name: "sdk-made", source: "api" });
    expect((await schedules.list({ jobName: "report" })).data!.map((s) => s.name)).toContain("sdk-made");
    expect((await schedules.update(id, { payload: { via: "sdk" } })).data!.payload).toEqual({ via: "sdk" });
    const job = await schedules.trigger(id);
    expect(job.data).toMatchObject({ job_name: "report", payload: { via: "sdk" } });
    const busy = await schedules.trigger(id);
    expect(busy.error).toMatchObject({ code: "SCHEDULE_RUN_ACTIVE", status: 409 });
    expect((await schedules.pause(id)).data).toMatchObject({ enabled: false, next_run_at: null });
    expect((await schedules.resume(id)).data!.enabled).toBe(true);
    const bad = await schedules.create({ name: "sdk-bad", job_name: "report", cron: "0 25 * * *" });
    expect(bad.error).toMatchObject({ code: "INVALID_CRON", status: 400 });
    expect((await schedules.delete(id)).data).toEqual({ id, deleted: true });
    expect((await schedules.get(id)).error?.code).toBe("SCHEDULE_NOT_FOUND");
  });
});
