/**
 * The SDK end to end against a real Fluxbase server (own database, real sockets): every method, and
 * the error shapes callers branch on. Features the server has not shipped yet (function management,
 * sync, realtime, REST) first check that their routes are served, so a missing one fails clearly.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import WebSocket from "ws";
import {
  createClient,
  type FluxbaseClient,
  type Job,
  type RealtimeChangePayload,
} from "../../sdk/src/index.ts";
import { insertFunction, startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import { eventually } from "./helpers/fakeServer.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let aliceClient: FluxbaseClient;
let bobClient: FluxbaseClient;
let service: FluxbaseClient;

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.user();
  bob = await server.user();
  await insertFunction(server, { name: "process-data" });
  await insertFunction(server, { name: "admin-report", require_roles: ["admin"] });
  await insertFunction(server, { name: "monthly", namespace: "reports" });
  aliceClient = createClient(server.url, { apiKey: server.anonKey });
  await aliceClient.auth.setSession({ access_token: alice.token });
  bobClient = createClient(server.url, bob.token);
  service = createClient(server.url, { serviceKey: server.serviceKey });
});
afterAll(() => server.stop());

async function submitted(
  client = aliceClient,
  payload: Record<string, unknown> = { items: [1, 2, 3] },
): Promise<Job> {
  const { data, error } = await client.jobs.submit("process-data", payload);
  expect(error).toBeNull();
  return data!;
}

const setRow = (id: string, fields: Record<string, unknown>) =>
  server.db.sql`update jobs.queue set ${server.db.sql(fields as Record<string, string>)} where id = ${id}`;

/** Fails clearly when the server does not serve a route the SDK method relies on. */
async function requireRoute(_ctx: TestContext, method: string, route: string): Promise<void> {
  const res = await server.request(method, route, { token: server.serviceKey });
  const body = (await res.json().catch(() => ({}))) as { code?: string };
  expect(body.code, `${method} ${route} must be served`).not.toBe("ROUTE_NOT_FOUND");
}

describe("client.jobs", () => {
  it("submits as the session's user and reads the job back", async () => {
    const job = await submitted();
    expect(job).toMatchObject({
      job_name: "process-data",
      namespace: "default",
      status: "pending",
      payload: { items: [1, 2, 3] },
      created_by: alice.id,
      user_email: alice.email,
      progress: null,
    });
    const { data, error } = await aliceClient.jobs.get(job.id);
    expect(error).toBeNull();
    expect(data).toMatchObject({ id: job.id, status: "pending", result: null });
  });

  it("maps submit options: namespace, priority, schedule, idempotency key", async () => {
    const at = new Date(Date.now() + 3_600_000);
    const scheduled = await aliceClient.jobs.submit(
      "monthly",
      {},
      { namespace: "reports", priority: 7, scheduledAt: at },
    );
    expect(scheduled.data).toMatchObject({ namespace: "reports", priority: 7 });
    expect(new Date(scheduled.data!.scheduled_at!).getTime()).toBe(at.getTime());
    const delayed = await aliceClient.jobs.submit("process-data", {}, { delaySeconds: 60 });
    expect(new Date(delayed.data!.scheduled_at!).getTime()).toBeGreaterThan(Date.now() + 30_000);
    const key = randomUUID();
    const first = await aliceClient.jobs.submit("process-data", { n: 1 }, { idempotencyKey: key });
    const again = await aliceClient.jobs.submit("process-data", { n: 2 }, { idempotencyKey: key });
    expect(again.data?.id).toBe(first.data?.id);
  });

  it("submits on behalf of a user with the service key", async () => {
    const { data } = await service.jobs.submit(
      "process-data",
      {},
      { onBehalfOf: { user_id: bob.id, user_email: bob.email } },
    );
    expect(data).toMatchObject({ created_by: bob.id, user_email: bob.email });
  });

  it("lists only the caller's jobs with filters, paging and the total as count", async () => {
    const carol = createClient(server.url, (await server.user()).token);
    for (let i = 0; i < 3; i++) await submitted(carol, { i });
    const page = await carol.jobs.list({ limit: 2, jobName: "process-data", status: "pending" });
    expect(page.error).toBeNull();
    expect(page.data).toHaveLength(2);
    expect(page.count).toBe(3);
    expect(page.data![0]).not.toHaveProperty("result");
    const rest = await carol.jobs.list({ limit: 2, offset: 2, includeResult: true });
    expect(rest.data).toHaveLength(1);
    expect(rest.data![0]).toHaveProperty("result");
    expect((await carol.jobs.list({ status: "failed" })).count).toBe(0);
  });

  it("reads log lines after a given line", async () => {
    const job = await submitted();
    await server.db.sql`insert into jobs.logs (job_id, line_number, level, message)
      values (${job.id}, 1, 'info', 'one'), (${job.id}, 2, 'error', 'two')`;
    const all = await aliceClient.jobs.getLogs(job.id);
    expect(all.data?.map((line) => line.message)).toEqual(["one", "two"]);
    const later = await aliceClient.jobs.getLogs(job.id, 1);
    expect(later.data).toEqual([expect.objectContaining({ line_number: 2, level: "error", message: "two" })]);
  });

  it("cancels a pending job, then answers 409 JOB_NOT_CANCELLABLE", async () => {
    const job = await submitted();
    const cancelled = await aliceClient.jobs.cancel(job.id);
    expect(cancelled.data).toMatchObject({ id: job.id, status: "cancelled" });
    const again = await aliceClient.jobs.cancel(job.id);
    expect(again.data).toBeNull();
    expect(again.error).toMatchObject({
      code: "JOB_NOT_CANCELLABLE",
      status: 409,
      context: { status: "cancelled" },
    });
  });

  it("retries a failed job under the same id, and answers 409 JOB_NOT_RETRYABLE otherwise", async () => {
    const job = await submitted();
    expect((await aliceClient.jobs.retry(job.id)).error).toMatchObject({
      code: "JOB_NOT_RETRYABLE",
      status: 409,
    });
    await setRow(job.id, { status: "failed", error_message: "boom" });
    const retried = await aliceClient.jobs.retry(job.id);
    expect(retried.data).toMatchObject({ id: job.id, status: "pending", error_message: null });
  });

  it("waitFor follows progress and resolves with the finished job and its result", async () => {
    const job = await submitted();
    const progress: number[] = [];
    const waiting = aliceClient.jobs.waitFor(job.id, {
      pollIntervalMs: 100,
      timeoutMs: 15_000,
      onProgress: (p) => progress.push(p.percent),
    });
    await setRow(job.id, { status: "running", started_at: new Date().toISOString() });
    await server.db
      .sql`update jobs.queue set progress = ${server.db.sql.json({ percent: 40, message: "working" })}
      where id = ${job.id}`;
    await eventually(() => progress.includes(40), 10_000);
    await server.db.sql`update jobs.queue set status = 'completed', completed_at = now(),
      result = ${server.db.sql.json({ processed: 3 })}, progress = ${server.db.sql.json({ percent: 100 })}
      where id = ${job.id}`;
    const { data, error } = await waiting;
    expect(error).toBeNull();
    expect(data).toMatchObject({ id: job.id, status: "completed", result: { processed: 3 } });
    expect(progress).toEqual([40, 100]);
    expect(aliceClient.realtime.getChannels()).toEqual([]);
  });

  it("waitFor ends with TIMEOUT while the job is still pending", async () => {
    const job = await submitted();
    const { error } = await aliceClient.jobs.waitFor(job.id, { timeoutMs: 300, pollIntervalMs: 100 });
    expect(error).toMatchObject({ code: "TIMEOUT", status: 0, context: { last_status: "pending" } });
  });
});

describe("error shapes", () => {
  it("401 INVALID_TOKEN for a token the server did not sign", async () => {
    const { data, error } = await createClient(server.url, "not-a-jwt").jobs.list();
    expect(data).toBeNull();
    expect(error).toMatchObject({ code: "INVALID_TOKEN", status: 401 });
    expect(error?.message).toBeTruthy();
  });

  it("403 ROLE_REQUIRED with the required roles, and 403 ADMIN_REQUIRED on admin routes", async () => {
    const denied = await aliceClient.jobs.submit("admin-report");
    expect(denied.error).toMatchObject({
      code: "ROLE_REQUIRED",
      status: 403,
      context: { required_roles: ["admin"] },
    });
    const admin = await aliceClient.admin.jobs.getStats();
    expect(admin.error).toMatchObject({ code: "ADMIN_REQUIRED", status: 403 });
  });

  it("404 JOB_NOT_FOUND for a missing job and for another user's job; 404 FUNCTION_NOT_FOUND", async () => {
    expect((await aliceClient.jobs.get(randomUUID())).error).toMatchObject({
      code: "JOB_NOT_FOUND",
      status: 404,
    });
    const job = await submitted();
    expect((await bobClient.jobs.get(job.id)).error).toMatchObject({ code: "JOB_NOT_FOUND", status: 404 });
    expect((await bobClient.jobs.cancel(job.id)).error).toMatchObject({ code: "JOB_NOT_FOUND", status: 404 });
    expect((await aliceClient.jobs.submit("nope")).error).toMatchObject({
      code: "FUNCTION_NOT_FOUND",
      status: 404,
    });
  });

  it("400 VALIDATION_ERROR with the issues, and 413 PAYLOAD_TOO_LARGE", async () => {
    const bad = await aliceClient.jobs.submit("process-data", {}, { priority: 1.5 });
    expect(bad.error).toMatchObject({ code: "VALIDATION_ERROR", status: 400 });
    expect(bad.error?.context.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "priority" })]),
    );
    const big = await aliceClient.jobs.submit("process-data", { blob: "x".repeat(2 * 1024 * 1024) });
    expect(big.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", status: 413 });
  });
});

describe("client.admin.jobs", () => {
  it("lists everyone's jobs with filters and reads any job", async () => {
    const mine = await submitted();
    const bobs = await submitted(bobClient);
    const all = await service.admin.jobs.listJobs({ limit: 200 });
    expect(all.count).toBeGreaterThanOrEqual(2);
    expect(all.data?.map((job) => job.id)).toEqual(expect.arrayContaining([mine.id, bobs.id]));
    const onlyBob = await service.admin.jobs.listJobs({ createdBy: bob.id });
    expect(onlyBob.data?.every((job) => job.created_by === bob.id)).toBe(true);
    expect((await service.admin.jobs.getJob(bobs.id)).data).toMatchObject({ id: bobs.id });
    expect((await service.admin.jobs.getJob(randomUUID())).error).toMatchObject({
      code: "JOB_NOT_FOUND",
      status: 404,
    });
  });

  it("works with an admin user's token too", async () => {
    const admin = createClient(server.url, (await server.user("admin")).token);
    expect((await admin.admin.jobs.listJobs()).error).toBeNull();
  });

  it("cancels, terminates, retries and resubmits", async () => {
    const a = await submitted();
    expect((await service.admin.jobs.cancel(a.id)).data).toMatchObject({
      status: "cancelled",
      cancel_mode: "cancel",
    });
    expect((await service.admin.jobs.cancel(a.id)).error).toMatchObject({
      code: "JOB_NOT_CANCELLABLE",
      status: 409,
    });
    const b = await submitted();
    expect((await service.admin.jobs.terminate(b.id)).data).toMatchObject({
      status: "cancelled",
      cancel_mode: "terminate",
    });
    const c = await submitted();
    await setRow(c.id, { status: "failed", error_message: "boom" });
    expect((await service.admin.jobs.retry(c.id)).data).toMatchObject({ id: c.id, status: "pending" });
    const again = await service.admin.jobs.resubmit(c.id);
    expect(again.error).toBeNull();
    expect(again.data).toMatchObject({ job_name: "process-data", status: "pending", created_by: alice.id });
    expect(again.data?.id).not.toBe(c.id);
  });

  it("reports stats, workers and namespaces", async () => {
    await submitted();
    const stats = await service.admin.jobs.getStats("default");
    expect(stats.error).toBeNull();
    expect(stats.data?.pending).toBeGreaterThan(0);
    expect(stats.data?.by_function.every((row) => row.namespace === "default")).toBe(true);
    const workers = await service.admin.jobs.listWorkers();
    expect(workers).toEqual({ data: [], error: null }); // this test server runs no workers
    const namespaces = await service.admin.jobs.listNamespaces();
    expect(namespaces.data).toEqual(expect.arrayContaining(["default", "reports"]));
  });

  it("creates, reads, lists, updates and deletes job functions", async (ctx) => {
    await requireRoute(ctx, "GET", "/api/v1/admin/jobs/functions");
    const code = "export async function handler() { return { ok: true }; }";
    const created = await service.admin.jobs.create({
      name: "sdk-fn",
      namespace: "sdk",
      code,
      timeout_seconds: 30,
    });
    expect(created.error).toBeNull();
    expect(created.data).toMatchObject({
      name: "sdk-fn",
      namespace: "sdk",
      timeout_seconds: 30,
      enabled: true,
    });
    expect((await service.admin.jobs.get("sdk-fn", "sdk")).data).toMatchObject({ name: "sdk-fn" });
    expect((await service.admin.jobs.list("sdk")).data?.map((fn) => fn.name)).toEqual(["sdk-fn"]);
    const updated = await service.admin.jobs.update("sdk-fn", { enabled: false }, "sdk");
    expect(updated.data).toMatchObject({ enabled: false });
    expect(await service.admin.jobs.delete("sdk-fn", "sdk")).toEqual({ data: null, error: null });
    const gone = await service.admin.jobs.get("sdk-fn", "sdk");
    expect(gone.error).toMatchObject({ code: "FUNCTION_NOT_FOUND", status: 404 });
  });

  it("syncs a namespace, with dry_run and delete_missing", async (ctx) => {
    await requireRoute(ctx, "GET", "/api/v1/admin/jobs/functions");
    const code = "export function handler() { return 1; }";
    const dry = await service.admin.jobs.sync({
      namespace: "synced",
      jobs: [{ name: "a", code }],
      options: { dry_run: true },
    });
    expect(dry.data?.summary).toMatchObject({ created: 1 });
    expect((await service.admin.jobs.list("synced")).data).toEqual([]);
    const real = await service.admin.jobs.sync({
      namespace: "synced",
      jobs: [
        { name: "a", code },
        { name: "b", code },
      ],
    });
    expect(real.data?.summary).toMatchObject({ created: 2, errors: 0 });
    const pruned = await service.admin.jobs.sync({
      namespace: "synced",
      jobs: [{ name: "a", code }],
      options: { delete_missing: true },
    });
    expect(pruned.data?.summary).toMatchObject({ deleted: 1, unchanged: 1 });
  });
});

describe("client.realtime", () => {
  it("delivers jobs.queue updates of the user's own jobs on table:jobs.queue", async () => {
    const wsUrl = `${server.url.replace(/^http/, "ws")}/realtime/v1/websocket?apikey=${server.anonKey}&vsn=1.0.0`;
    const served = await new Promise<boolean>((resolve) => {
      const socket = new WebSocket(wsUrl);
      socket.once("open", () => resolve(true));
      socket.once("error", () => resolve(false));
      socket.once("open", () => socket.close());
    });
    expect(served, "the realtime endpoint must accept the anon key").toBe(true);
    const job = await submitted();
    const seen: RealtimeChangePayload<Job>[] = [];
    let subscribed = false;
    const channel = aliceClient.realtime
      .channel("table:jobs.queue")
      .on<Job>("UPDATE", (payload) => seen.push(payload))
      .subscribe((status) => {
        subscribed ||= status === "SUBSCRIBED";
      });
    await eventually(() => subscribed, 10_000);
    await server.db.sql`update jobs.queue set progress = ${server.db.sql.json({ percent: 5, message: "hi" })}
      where id = ${job.id}`;
    await eventually(() => seen.some((p) => p.new.id === job.id), 10_000);
    const update = seen.find((p) => p.new.id === job.id)!;
    expect(update).toMatchObject({
      eventType: "UPDATE",
      schema: "jobs",
      table: "queue",
      new: { progress: { percent: 5 } },
    });
    expect(typeof update.commit_timestamp).toBe("string");
    await channel.unsubscribe();
  });
});

describe("client.from", () => {
  it("reads and writes the user's own rows through REST with RLS, and never the jobs schema", async (ctx) => {
    await requireRoute(ctx, "GET", "/rest/v1/todos");
    await server.db.sql.unsafe(`
      create table app.todos (
        id bigint generated always as identity primary key,
        user_id uuid not null default auth.uid(),
        title text not null
      );
      alter table app.todos enable row level security;
      alter table app.todos force row level security;
      create policy own on app.todos for all to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
      grant select, insert on app.todos to authenticated;`);
    const inserted = await aliceClient
      .from("app.todos")
      .insert({ title: "write docs" })
      .select("title")
      .single();
    expect(inserted.error).toBeNull();
    expect(inserted.data).toEqual({ title: "write docs" });
    const { data, error } = await aliceClient.from("app.todos").select("title");
    expect(error).toBeNull();
    expect(data).toEqual([{ title: "write docs" }]);
    const other = await bobClient.from("app.todos").select("title");
    expect(other.data).toEqual([]);
    const internals = await aliceClient.from("jobs.queue").select("id");
    expect(internals.error?.code).toBe("PGRST106");
  });
});
