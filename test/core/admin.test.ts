/** The admin API: functions, queue, stats, namespaces, resubmit — and the NOTIFY that stays small. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let admin: TestUser;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.user("admin");
  alice = await server.user();
  await insertFunction(server, { name: "existing" });
});
afterAll(() => server.stop());

const call = (method: string, route: string, body?: unknown, token = admin.token) =>
  server.request(method, `/api/v1/admin/jobs${route}`, { token, body });

const source = `/**
 * @fluxbase:description Sends a report
 * @fluxbase:timeout 120
 * @fluxbase:max-retries 5
 * @fluxbase:require-role admin
 */
export async function handler() { return "sent"; }
`;

describe("admin functions", () => {
  it("creates a function from code, applying its annotations and the request's settings", async () => {
    const res = await call("POST", "/functions", { name: "send-report", code: source, memory_mb: 64 });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      name: "send-report",
      namespace: "default",
      timeout_seconds: 120,
      max_retries: 5,
      memory_mb: 64,
      require_roles: ["admin"],
      description: "Sends a report",
      origin: "api",
      bundle_error: null,
      enabled: true,
    });
    const dup = await call("POST", "/functions", { name: "send-report", code: source });
    expect(dup.status).toBe(409);
    expect((await dup.json()).code).toBe("FUNCTION_EXISTS");
  });

  it("lists, reads, updates and deletes", async () => {
    const list = await (await call("GET", "/functions")).json();
    expect(list.functions.map((f: { name: string }) => f.name)).toContain("send-report");
    expect(list.functions[0]).not.toHaveProperty("code");
    const one = await (await call("GET", "/functions/default/send-report")).json();
    expect(one.source).toBe(source);
    const updated = await call("PUT", "/functions/default/send-report", {
      enabled: false,
      timeout_seconds: 60,
    });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ enabled: false, timeout_seconds: 60, max_retries: 5 });
    const recoded = await call("PUT", "/functions/default/send-report", {
      code: source.replace("@fluxbase:max-retries 5", "@fluxbase:max-retries 7"),
      enabled: false,
    });
    // New code brings its own annotations; fields in the request still win.
    expect(await recoded.json()).toMatchObject({ enabled: false, max_retries: 7, timeout_seconds: 120 });
    const submit = await server.request("POST", "/api/v1/jobs/submit", {
      token: admin.token,
      body: { job_name: "send-report" },
    });
    expect(submit.status).toBe(403);
    expect((await call("DELETE", "/functions/default/send-report")).status).toBe(200);
    expect((await call("GET", "/functions/default/send-report")).status).toBe(404);
    expect((await call("DELETE", "/functions/default/send-report")).status).toBe(404);
  });

  it("refuses code that does not bundle or has bad annotations, storing nothing", async () => {
    const broken = await call("POST", "/functions", { name: "broken", code: "export function handler( {" });
    expect(broken.status).toBe(400);
    expect((await broken.json()).code).toBe("BUNDLE_FAILED");
    const badAnnotation = await call("POST", "/functions", {
      name: "bad-annotation",
      code: "// @fluxbase:timeout soon\nexport default () => 1",
    });
    expect(badAnnotation.status).toBe(400);
    expect(await badAnnotation.json()).toMatchObject({ code: "INVALID_ANNOTATION" });
    const rows = await server.db
      .sql`select name from jobs.functions where name in ('broken', 'bad-annotation')`;
    expect(rows).toHaveLength(0);
  });

  it("validates bodies", async () => {
    expect((await call("POST", "/functions", { name: "x y", code: "export default () => 1" })).status).toBe(
      400,
    );
    expect((await call("POST", "/functions", { name: "ok", code: "" })).status).toBe(400);
    expect((await call("POST", "/functions", { name: "ok", code: "x", memory_mb: 1 })).status).toBe(400);
    expect((await call("PUT", "/functions/default/nope", { enabled: true })).status).toBe(404);
  });

  it("syncs an uploaded set, with dry run and delete_missing", async () => {
    const jobs = [
      { name: "a", code: "export default () => 'a'" },
      { name: "b", code: "export default () => 'b'" },
    ];
    const dry = await (
      await call("POST", "/sync", { namespace: "batch", jobs, options: { dry_run: true } })
    ).json();
    expect(dry.summary).toMatchObject({ created: 2, updated: 0, deleted: 0 });
    expect(await server.db.sql`select 1 from jobs.functions where namespace = 'batch'`).toHaveLength(0);
    const real = await (await call("POST", "/sync", { namespace: "batch", jobs })).json();
    expect(real.summary).toMatchObject({ created: 2, unchanged: 0 });
    const again = await (
      await call("POST", "/sync", { namespace: "batch", jobs: [jobs[0]], options: { delete_missing: true } })
    ).json();
    expect(again.summary).toMatchObject({ created: 0, unchanged: 1, deleted: 1 });
    expect(again.details.deleted).toEqual(["b"]);
  });

  it("is closed to users", async () => {
    expect((await call("GET", "/functions", undefined, alice.token)).status).toBe(403);
    expect((await call("POST", "/sync", { namespace: "x", jobs: [] }, alice.token)).status).toBe(403);
  });
});

describe("admin queue", () => {
  it("lists all users' jobs with filters, resubmits, and counts stats", async () => {
    const submit = async (token: string) =>
      (
        await (
          await server.request("POST", "/api/v1/jobs/submit", { token, body: { job_name: "existing" } })
        ).json()
      ).id;
    const a = await submit(alice.token);
    const b = await submit(admin.token);
    await server.db.sql`update jobs.queue set status = 'completed', started_at = now() - interval '3 seconds',
      completed_at = now() where id = ${a}`;
    const page = await (await call("GET", `/queue?created_by=${alice.id}`)).json();
    expect(page.jobs.map((j: { id: string }) => j.id)).toEqual([a]);
    const resubmitted = await call("POST", `/queue/${a}/resubmit`);
    expect(resubmitted.status).toBe(201);
    const copy = await resubmitted.json();
    expect(copy).toMatchObject({
      status: "pending",
      created_by: alice.id,
      job_name: "existing",
      trigger: "resubmit",
    });
    expect(copy.id).not.toBe(a);
    const stats = await (await call("GET", "/stats")).json();
    expect(stats).toMatchObject({ completed: 1, pending: 2, total: 3 });
    expect(stats.avg_duration_seconds).toBeCloseTo(3, 0);
    expect(stats.by_function).toContainEqual(expect.objectContaining({ job_name: "existing", total: 3 }));
    const namespaces = await (await call("GET", "/namespaces")).json();
    expect(namespaces.namespaces).toContain("default");
    expect((await call("GET", `/queue/${b}`)).status).toBe(200);
    expect((await call("GET", "/queue?status=bogus")).status).toBe(400);
  });

  it("keeps the NOTIFY small: a huge error message or progress never makes an update fail", async () => {
    const [job] = await server.db.sql<
      { id: string }[]
    >`insert into jobs.queue (job_name) values ('existing') returning id`;
    const huge = "x".repeat(2_000_000);
    await server.db.sql`update jobs.queue set error_message = ${huge},
      progress = ${server.db.sql.json({ percent: 1, message: huge })} where id = ${job!.id}`;
    const [row] = await server.db.sql<
      { n: number }[]
    >`select length(error_message) as n from jobs.queue where id = ${job!.id}`;
    expect(row!.n).toBe(2_000_000);
  });
});
