import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.user();
  bob = await server.user();
  admin = await server.user("admin");
  await insertFunction(server, { name: "process-data" });
  await insertFunction(server, { name: "admin-report", require_roles: ["admin"] });
  await insertFunction(server, { name: "disabled-job", enabled: false });
  await insertFunction(server, { name: "other-ns", namespace: "reports" });
});
afterAll(() => server.stop());

const submit = (token: string, body: unknown, headers?: Record<string, string>) =>
  server.request("POST", "/api/v1/jobs/submit", { token, body, headers });

describe("health", () => {
  it("answers ok once ready", async () => {
    const res = await server.request("GET", "/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("POST /api/v1/jobs/submit", () => {
  it("creates a pending job owned by the caller, with limits from the function", async () => {
    const res = await submit(alice.token, {
      job_name: "process-data",
      payload: { items: [1, 2, 3] },
      priority: 5,
    });
    expect(res.status).toBe(201);
    const job = await res.json();
    expect(job).toMatchObject({
      job_name: "process-data",
      namespace: "default",
      status: "pending",
      payload: { items: [1, 2, 3] },
      priority: 5,
      max_retries: 3,
      retry_count: 0,
      created_by: alice.id,
      user_email: alice.email,
      user_role: "authenticated",
      result: null,
      progress: null,
    });
    expect(job).not.toHaveProperty("lease_token");
    expect(job).not.toHaveProperty("idempotency_key");
  });

  it("404s an unknown function and 403s a disabled one", async () => {
    const missing = await submit(alice.token, { job_name: "nope" });
    expect(missing.status).toBe(404);
    expect((await missing.json()).code).toBe("FUNCTION_NOT_FOUND");
    const disabled = await submit(alice.token, { job_name: "disabled-job" });
    expect(disabled.status).toBe(403);
    expect((await disabled.json()).code).toBe("FUNCTION_DISABLED");
  });

  it("enforces require_roles with the list of roles in the error", async () => {
    const denied = await submit(alice.token, { job_name: "admin-report" });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ code: "ROLE_REQUIRED", required_roles: ["admin"] });
    const allowed = await submit(admin.token, { job_name: "admin-report" });
    expect(allowed.status).toBe(201);
    const service = await submit(server.serviceKey, { job_name: "admin-report" });
    expect(service.status).toBe(201);
  });

  it("uses the namespace given", async () => {
    const res = await submit(alice.token, { job_name: "other-ns", namespace: "reports" });
    expect(res.status).toBe(201);
    expect((await res.json()).namespace).toBe("reports");
    const wrong = await submit(alice.token, { job_name: "other-ns" });
    expect(wrong.status).toBe(404);
  });

  it("returns the same job for the same Idempotency-Key and user, a new one for another user", async () => {
    const first = await submit(alice.token, { job_name: "process-data" }, { "idempotency-key": "order-42" });
    const again = await submit(alice.token, { job_name: "process-data" }, { "idempotency-key": "order-42" });
    const other = await submit(bob.token, { job_name: "process-data" }, { "idempotency-key": "order-42" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    const [a, b, c] = [await first.json(), await again.json(), await other.json()];
    expect(b.id).toBe(a.id);
    expect(c.id).not.toBe(a.id);
    expect(c.created_by).toBe(bob.id);
  });

  it("schedules with delay_seconds and scheduled_at using the database clock", async () => {
    const delayed = await (await submit(alice.token, { job_name: "process-data", delay_seconds: 60 })).json();
    const delay = new Date(delayed.scheduled_at).getTime() - new Date(delayed.created_at).getTime();
    expect(delay).toBeGreaterThanOrEqual(59_000);
    expect(delay).toBeLessThanOrEqual(61_000);
    const at = "2030-01-02T03:04:05.000Z";
    const scheduled = await (
      await submit(alice.token, { job_name: "process-data", scheduled_at: at })
    ).json();
    expect(new Date(scheduled.scheduled_at).toISOString()).toBe(at);
  });

  it("honours on_behalf_of only for the service role", async () => {
    const asService = await submit(server.serviceKey, {
      job_name: "process-data",
      on_behalf_of: { user_id: bob.id, user_email: bob.email },
    });
    expect(asService.status).toBe(201);
    expect(await asService.json()).toMatchObject({ created_by: bob.id, user_email: bob.email });
    const asUser = await submit(alice.token, { job_name: "process-data", on_behalf_of: { user_id: bob.id } });
    expect(asUser.status).toBe(403);
    expect((await asUser.json()).code).toBe("ON_BEHALF_OF_FORBIDDEN");
  });

  it("refuses anon submissions through RLS", async () => {
    const res = await submit(server.anonKey, { job_name: "process-data" });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("PERMISSION_DENIED");
  });
});

describe("listing, reading, cancelling and retrying", () => {
  it("lists only the caller's jobs, newest first, with paging and filters", async () => {
    const mine = await server.user();
    for (let i = 0; i < 3; i++) await submit(mine.token, { job_name: "process-data", payload: { i } });
    const res = await server.request("GET", "/api/v1/jobs?limit=2", { token: mine.token });
    const page = await res.json();
    expect(page).toMatchObject({ limit: 2, offset: 0, total: 3 });
    expect(page.jobs.map((j: { payload: { i: number } }) => j.payload.i)).toEqual([2, 1]);
    expect(page.jobs[0]).not.toHaveProperty("result");
    const withResult = await (
      await server.request("GET", "/api/v1/jobs?include_result=true&offset=2", { token: mine.token })
    ).json();
    expect(withResult.jobs).toHaveLength(1);
    expect(withResult.jobs[0]).toHaveProperty("result", null);
    const filtered = await (
      await server.request("GET", "/api/v1/jobs?status=completed", { token: mine.token })
    ).json();
    expect(filtered.total).toBe(0);
  });

  it("shows an admin and the service role their own jobs too; everyone's are in the admin queue", async () => {
    const user = await server.user();
    const boss = await server.user("admin");
    const owned = await (await submit(user.token, { job_name: "process-data" })).json();
    const bosses = await (await submit(boss.token, { job_name: "process-data" })).json();
    const services = await (await submit(server.serviceKey, { job_name: "process-data" })).json();
    const ids = async (token: string, route = "/api/v1/jobs?limit=200") =>
      ((await (await server.request("GET", route, { token })).json()).jobs as { id: string }[]).map(
        (j) => j.id,
      );
    const adminSees = await ids(boss.token);
    expect(adminSees).toContain(bosses.id);
    expect(adminSees).not.toContain(owned.id);
    expect(adminSees).not.toContain(services.id);
    const serviceSees = await ids(server.serviceKey);
    expect(serviceSees).toContain(services.id);
    expect(serviceSees).not.toContain(owned.id);
    expect(serviceSees).not.toContain(bosses.id);
    expect(await ids(boss.token, "/api/v1/admin/jobs/queue?limit=200")).toEqual(
      expect.arrayContaining([owned.id, bosses.id, services.id]),
    );
  });

  it("cancels a pending job, then refuses a second cancel with 409", async () => {
    const job = await (await submit(alice.token, { job_name: "process-data" })).json();
    const cancel = await server.request("POST", `/api/v1/jobs/${job.id}/cancel`, { token: alice.token });
    expect(cancel.status).toBe(200);
    const cancelled = await cancel.json();
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.completed_at).not.toBeNull();
    const again = await server.request("POST", `/api/v1/jobs/${job.id}/cancel`, { token: alice.token });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "JOB_NOT_CANCELLABLE", status: "cancelled" });
  });

  it("retries a failed job with a fresh budget and refuses others with 409", async () => {
    const job = await (await submit(alice.token, { job_name: "process-data" })).json();
    const retryPending = await server.request("POST", `/api/v1/jobs/${job.id}/retry`, { token: alice.token });
    expect(retryPending.status).toBe(409);
    expect((await retryPending.json()).code).toBe("JOB_NOT_RETRYABLE");
    await server.db
      .sql`update jobs.queue set status = 'failed', error_message = 'boom', retry_count = 3, attempt = 4 where id = ${job.id}`;
    const retried = await server.request("POST", `/api/v1/jobs/${job.id}/retry`, { token: alice.token });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({
      id: job.id,
      status: "pending",
      retry_count: 0,
      error_message: null,
    });
  });

  it("returns log lines after a given line", async () => {
    const job = await (await submit(alice.token, { job_name: "process-data" })).json();
    await server.db.sql`insert into jobs.logs (job_id, line_number, level, message)
      values (${job.id}, 1, 'info', 'one'), (${job.id}, 2, 'warn', 'two'), (${job.id}, 3, 'error', 'three')`;
    const res = await server.request("GET", `/api/v1/jobs/${job.id}/logs?after_line=1`, {
      token: alice.token,
    });
    const body = await res.json();
    expect(body.count).toBe(2);
    expect(body.logs.map((l: { message: string }) => l.message)).toEqual(["two", "three"]);
  });
});
