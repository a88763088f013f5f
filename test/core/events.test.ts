/**
 * Event-triggered jobs against real Postgres, Deno and workers: named events from HTTP, the SDK,
 * a sandboxed job and a trusted handler, each starting one job per listener the emitter may start,
 * in one transaction; table events from a trigger installed on an application table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../sdk/src/index.ts";
import { defineJob } from "../../server/handlers/defineJob.ts";
import { startTestServer, type TestServer, type TestUser, waitForJob } from "../support/server.ts";

const files: Record<string, string> = {
  "on-incident.ts": `// @fluxbase:on incident:created
export default async (req, fb, svc, job) => ({ got: job.getJobPayload(), by: job.getJobContext().user?.id ?? null });
`,
  "on-incident-admin.ts": `// @fluxbase:on incident:created
// @fluxbase:on admin:only
// @fluxbase:on-role admin
export default async () => "paged";
`,
  "emitter.ts": `export default async (req, fb, svc, job) => {
  const out = await job.events.emit("report:ready", { from: job.getJobContext().job_id });
  return { started: out.jobs.map((j) => j.job_name) };
};
`,
  "on-report.ts": `// @fluxbase:on report:ready
export default async (req, fb, svc, job) => job.getJobPayload();
`,
};

const oncall = defineJob({
  name: "notify-oncall",
  on: "incident:created",
  handler: async (ctx) => ({ user: ctx.job.user?.id ?? null }),
});
const txEmitter = defineJob({
  name: "tx-emitter",
  handler: async (ctx, payload: Record<string, unknown>) => {
    await ctx.sql
      .begin(async (tx) => {
        await ctx.events.emit("report:ready", { marker: `rolled-back-${payload.n}` }, { sql: tx });
        throw new Error("roll back");
      })
      .catch(() => {});
    const kept = await ctx.events.emit("report:ready", { marker: `kept-${payload.n}` });
    return { jobs: kept.jobs.map((job) => job.job_name) };
  },
});

let server: TestServer;
let alice: TestUser;
let admin: TestUser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "fluxbase-events-"));
  mkdirSync(path.join(dir, "jobs"));
  for (const [file, source] of Object.entries(files)) writeFileSync(path.join(dir, "jobs", file), source);
  server = await startTestServer({
    workers: true,
    jobs: { dir: path.join(dir, "jobs") },
    handlers: [oncall, txEmitter],
  });
  alice = await server.user();
  admin = await server.user("admin");
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const emit = (token: string, body: unknown) => server.request("POST", "/api/v1/events", { token, body });

describe("named events", () => {
  it("start one job per listener the emitter may start, owned by the emitter, with the event's id", async () => {
    const res = await emit(alice.token, { name: "incident:created", payload: { id: 42 } });
    expect(res.status).toBe(201);
    const out = await res.json();
    expect(out.jobs.map((job: { job_name: string }) => job.job_name).sort()).toEqual([
      "notify-oncall",
      "on-incident",
    ]);
    expect(out.skipped).toEqual([]);
    for (const { id } of out.jobs) {
      const job = await waitForJob(server, id);
      expect(job).toMatchObject({
        status: "completed",
        trigger: "event",
        event_id: out.event.id,
        created_by: alice.id,
      });
    }
    const sandboxed = out.jobs.find((job: { job_name: string }) => job.job_name === "on-incident");
    expect((await waitForJob(server, sandboxed.id)).result).toEqual({ got: { id: 42 }, by: alice.id });

    const asAdmin = await (await emit(admin.token, { name: "incident:created", payload: {} })).json();
    expect(asAdmin.jobs.map((job: { job_name: string }) => job.job_name).sort()).toEqual([
      "notify-oncall",
      "on-incident",
      "on-incident-admin",
    ]);
  });

  it("refuses an emit whose listeners the emitter may start none of, and bad input, writing nothing", async () => {
    const before = await server.db
      .sql`select (select count(*) from jobs.events)::int as e, (select count(*) from jobs.queue)::int as q`;
    const forbidden = await emit(alice.token, { name: "admin:only", payload: {} });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: "EVENT_FORBIDDEN", name: "admin:only" });
    const badName = await emit(alice.token, { name: "no spaces allowed", payload: {} });
    expect(badName.status).toBe(400);
    expect((await badName.json()).code).toBe("INVALID_EVENT_NAME");
    for (const body of [{ payload: {} }, { name: "x", payload: [1] }, { name: "x", extra: 1 }]) {
      const res = await emit(alice.token, body);
      expect(res.status).toBe(400);
      expect((await res.json()).code).toBe("VALIDATION_ERROR");
    }
    const anon = await emit(server.anonKey, { name: "incident:created", payload: {} });
    expect(anon.status).toBe(403);
    const after = await server.db
      .sql`select (select count(*) from jobs.events)::int as e, (select count(*) from jobs.queue)::int as q`;
    expect(after).toEqual(before);
  });

  it("records an event nobody listens to, and lists events with their jobs: yours, or everyone's for admins", async () => {
    const quiet = await (await emit(alice.token, { name: "nobody:listens", payload: { a: 1 } })).json();
    expect(quiet.jobs).toEqual([]);
    const mine = await (
      await server.request("GET", "/api/v1/events?name=nobody:listens", { token: alice.token })
    ).json();
    expect(mine.events).toEqual([
      expect.objectContaining({ id: quiet.event.id, payload: { a: 1 }, jobs: [] }),
    ]);
    const theirs = await (await server.request("GET", "/api/v1/events", { token: admin.token })).json();
    expect(theirs.events.map((e: { emitted_by: string }) => e.emitted_by)).not.toContain(alice.id);
    const all = await server.request("GET", "/api/v1/admin/jobs/events?name=incident:created", {
      token: admin.token,
    });
    const { events } = await all.json();
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[0].jobs.length).toBeGreaterThan(0);
    expect((await server.request("GET", "/api/v1/admin/jobs/events", { token: alice.token })).status).toBe(
      403,
    );
    const badQuery = await server.request("GET", "/api/v1/events?limit=0", { token: alice.token });
    expect(badQuery.status).toBe(400);
  });

  it("emits from the SDK, from a sandboxed job, and from a trusted handler in or out of a transaction", async () => {
    const client = createClient(server.url, alice.token);
    const { data, error } = await client.events.emit("report:ready", { via: "sdk" });
    expect(error).toBeNull();
    expect(data?.jobs.map((job) => job.job_name)).toEqual(["on-report"]);
    const { data: listed } = await client.events.list({ name: "report:ready" });
    expect(listed?.[0]?.id).toBe(data?.event.id);

    const submitted = await server.request("POST", "/api/v1/jobs/submit", {
      token: alice.token,
      body: { job_name: "emitter" },
    });
    const emitter = await waitForJob(server, (await submitted.json()).id);
    expect(emitter).toMatchObject({ status: "completed", result: { started: ["on-report"] } });
    const [chained] = await server.db.sql`
      select q.created_by, q.payload from jobs.queue q join jobs.events e on e.id = q.event_id
      where e.payload ->> 'from' = ${emitter.id}`;
    expect(chained).toMatchObject({ created_by: alice.id, payload: { from: emitter.id } });

    const { id } = await server.fluxbase.jobs.enqueue("tx-emitter", { n: 1 });
    expect((await waitForJob(server, id)).result).toEqual({ jobs: ["on-report"] });
    const markers = await server.db.sql`select payload ->> 'marker' as marker from jobs.events
      where payload ->> 'marker' like '%-1'`;
    expect(markers.map((row) => row.marker)).toEqual(["kept-1"]);
  });
});

describe("table events", () => {
  it("a listened-to table's insert and update start jobs with the change; the trigger goes with the function", async () => {
    await server.db.sql`create table app.orders (id serial primary key, item text not null)`;
    const upload = await server.request("POST", "/api/v1/admin/jobs/functions", {
      token: server.serviceKey,
      body: {
        name: "on-order",
        code: "// @fluxbase:on insert, update app.orders\nexport default async (req, fb, svc, job) => job.getJobPayload();\n",
      },
    });
    expect(upload.status).toBe(201);
    expect(await upload.json()).toMatchObject({
      events_error: null,
      on_tables: [
        { op: "insert", schema: "app", table: "orders" },
        { op: "update", schema: "app", table: "orders" },
      ],
    });
    const [order] = await server.db.sql`insert into app.orders (item) values ('book') returning id`;
    await server.db.sql`update app.orders set item = 'pen' where id = ${order!.id}`;
    const jobs = await server.db
      .sql`select id from jobs.queue where job_name = 'on-order' order by created_at`;
    expect(jobs).toHaveLength(2);
    const inserted = await waitForJob(server, jobs[0]!.id);
    expect(inserted).toMatchObject({
      status: "completed",
      trigger: "event",
      created_by: null,
      result: {
        type: "INSERT",
        schema: "app",
        table: "orders",
        record: { id: order!.id, item: "book" },
        old_record: null,
      },
    });
    const updated = await waitForJob(server, jobs[1]!.id);
    expect(updated.result).toMatchObject({
      type: "UPDATE",
      record: { item: "pen" },
      old_record: { item: "book" },
    });

    const removed = await server.request("DELETE", "/api/v1/admin/jobs/functions/default/on-order", {
      token: server.serviceKey,
    });
    expect(removed.status).toBe(200);
    await server.db.sql`insert into app.orders (item) values ('cup')`;
    const [{ n }] = await server.db
      .sql`select count(*)::int as n from jobs.queue where job_name = 'on-order'`;
    expect(n).toBe(2);
    const [{ triggers }] = await server.db.sql`
      select count(*)::int as triggers from pg_trigger where tgrelid = 'app.orders'::regclass and not tgisinternal`;
    expect(triggers).toBe(0);
  });

  it("shows a missing table as the function's events_error, and refuses the jobs schema", async () => {
    const upload = await server.request("POST", "/api/v1/admin/jobs/functions", {
      token: server.serviceKey,
      body: {
        name: "on-nothing",
        code: "// @fluxbase:on insert app.no_such_table\n// @fluxbase:on delete jobs.queue\nexport default async () => 1;\n",
      },
    });
    expect(upload.status).toBe(201);
    const fn = await upload.json();
    expect(fn.events_error).toContain("app.no_such_table");
    expect(fn.events_error).toContain("tables of the jobs schema cannot start jobs");
  });
});
