/** Trusted handlers end to end: real server, real Postgres, the same queue as sandboxed functions. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob } from "../../server/index.ts";
import {
  insertFunction,
  jobLogLines,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

const seen: { aborted?: boolean; cancelled?: boolean } = {};

const sendEmail = defineJob({
  name: "send-email",
  namespace: "mail",
  payload: z.object({ to: z.string().email(), subject: z.string() }),
  maxRetries: 2,
  timeout: 30,
  handler: async (ctx, payload) => {
    ctx.progress(50, "rendering", { step: 1 });
    ctx.log.info("sending", { to: payload.to });
    await ctx.sql`insert into app.outbox ${ctx.sql({ recipient: payload.to, subject: payload.subject })}`;
    const [who] = await ctx.sqlAsUser((tx) => tx`select auth.uid() as uid, current_user as role`);
    return { sent: true, as: who, attempt: ctx.job.attempt, user: ctx.job.user };
  },
});

const ignoresSignal = defineJob({
  name: "ignores-signal",
  timeout: 1,
  maxRetries: 0,
  handler: async () => {
    await new Promise((resolve) => setTimeout(resolve, 4000));
    return "late";
  },
});

const cooperative = defineJob({
  name: "cooperative",
  handler: async (ctx) => {
    for (let i = 0; i < 400 && !ctx.signal.aborted; i++) {
      ctx.progress(i / 4);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    seen.aborted = ctx.signal.aborted;
    seen.cancelled = ctx.isCancelled();
    return { stopped: ctx.signal.aborted };
  },
});

const flaky = defineJob({
  name: "flaky",
  maxRetries: 3,
  handler: async (ctx) => {
    if (ctx.job.attempt < 2) throw new Error(`flaky on attempt ${ctx.job.attempt}`);
    return { attempt: ctx.job.attempt };
  },
});

const parent = defineJob({
  name: "parent",
  handler: async (ctx) => {
    const child = await ctx.jobs.enqueue("flaky", {});
    let rolledBack = "";
    await ctx.sql
      .begin(async (tx) => {
        const job = await ctx.jobs.enqueue("flaky", {}, { sql: tx });
        rolledBack = job.id;
        throw new Error("roll back");
      })
      .catch(() => {});
    return { child: child.id, rolledBack };
  },
});

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer({
    workers: true,
    handlers: [sendEmail, ignoresSignal, cooperative, flaky, parent],
    jobs: { maxConcurrentPerWorker: 1, cancelGrace: 300, retryBackoffBase: 50, retryBackoffMax: 100 },
  });
  alice = await server.user();
  await server.db.sql`create table app.outbox (id serial primary key, recipient text, subject text)`;
  await server.db.sql`grant select, insert on app.outbox to service_role`;
  await server.db.sql`grant usage on sequence app.outbox_id_seq to service_role`;
  await insertFunction(server, { name: "sandboxed-one" });
});
afterAll(() => server.stop());

const submit = (token: string, body: Record<string, unknown>) =>
  server.request("POST", "/api/v1/jobs/submit", { token, body });

describe("trusted handlers", () => {
  it("run in-process with progress, logs, service-role SQL and the submitter's identity", async () => {
    const res = await submit(alice.token, {
      job_name: "send-email",
      namespace: "mail",
      payload: { to: "ann@example.com", subject: "hi" },
    });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const job = await waitForJob(server, id);
    expect(job).toMatchObject({ status: "completed", kind: "handler", lane: "worker", error_message: null });
    expect(job.result).toEqual({
      sent: true,
      as: { uid: alice.id, role: "authenticated" },
      attempt: 1,
      user: { id: alice.id, email: alice.email, role: "authenticated" },
    });
    expect(job.progress).toMatchObject({ percent: 100, message: "rendering", data: { step: 1 } });
    expect(await jobLogLines(server, id)).toContainEqual({
      level: "info",
      message: 'sending {"to":"ann@example.com"}',
    });
    const [row] = await server.db.sql`select recipient, subject from app.outbox`;
    expect(row).toEqual({ recipient: "ann@example.com", subject: "hi" });
  });

  it("refuses a payload that does not match the schema: 400 VALIDATION_ERROR, nothing written", async () => {
    const before = await server.db.sql`select count(*)::int as n from jobs.queue`;
    const res = await submit(alice.token, {
      job_name: "send-email",
      namespace: "mail",
      payload: { to: "not an email" },
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.code).toBe("VALIDATION_ERROR");
    expect(body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(["subject", "to"]);
    const after = await server.db.sql`select count(*)::int as n from jobs.queue`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it("lists handlers with kind handler and files with kind sandboxed", async () => {
    const res = await server.request("GET", "/api/v1/admin/jobs/functions", { token: server.serviceKey });
    const { functions } = await res.json();
    const kinds = Object.fromEntries(functions.map((f: { name: string; kind: string }) => [f.name, f.kind]));
    expect(kinds).toMatchObject({ "send-email": "handler", flaky: "handler", "sandboxed-one": "sandboxed" });
    const email = functions.find((f: { name: string }) => f.name === "send-email");
    expect(email).toMatchObject({ namespace: "mail", max_retries: 2, timeout_seconds: 30, run_in: "worker" });
  });

  it("a handler that ignores its timeout is failed, reported in the log, and its slot freed", async () => {
    const slow = await (await submit(alice.token, { job_name: "ignores-signal" })).json();
    const next = await (await submit(alice.token, { job_name: "flaky", max_retries: 3 })).json();
    const failed = await waitForJob(server, slow.id);
    expect(failed).toMatchObject({
      status: "failed",
      error_message: "Job exceeded its timeout of 1 seconds",
    });
    const logs = await jobLogLines(server, slow.id);
    expect(logs.map((l) => l.message).join("\n")).toMatch(/did not return after its signal was aborted/);
    // One slot only: the next job ran while the ignored handler was still sleeping.
    const done = await waitForJob(server, next.id, undefined, 3000);
    expect(done.status).toBe("completed");
  });

  it("cancel aborts the signal and isCancelled() says so", async () => {
    const { id } = await (await submit(alice.token, { job_name: "cooperative" })).json();
    await waitForJob(server, id, (j) => j.status === "running" && j.progress?.percent > 0);
    const res = await server.request("POST", `/api/v1/jobs/${id}/cancel`, { token: alice.token });
    expect(res.status).toBe(200);
    await expect.poll(() => seen.cancelled, { timeout: 5000 }).toBe(true);
    expect(seen.aborted).toBe(true);
    expect((await waitForJob(server, id)).status).toBe("cancelled");
    // The row says cancelled from the request on; the run writes its last line once the handler returns.
    await expect
      .poll(async () => (await jobLogLines(server, id)).at(-1), { timeout: 5000 })
      .toEqual({ level: "warn", message: "Job cancelled" });
  });

  it("retries a thrown error with the job's backoff; the completed job carries no earlier error", async () => {
    const res = await submit(alice.token, { job_name: "flaky", backoff: { base_ms: 10, max_ms: 20 } });
    const { id } = await res.json();
    const job = await waitForJob(server, id);
    expect(job).toMatchObject({ status: "completed", attempt: 2, error_message: null, backoff_base_ms: 10 });
    const logs = (await jobLogLines(server, id)).map((l) => l.message).join("\n");
    expect(logs).toMatch(/Error: flaky on attempt 1/);
    expect(logs).toMatch(/Attempt 1 of 4 failed; retrying in \d+ ms/);
  });

  it("ctx.jobs.enqueue submits follow-ups, and one made in a rolled-back transaction never exists", async () => {
    const { id } = await (await submit(alice.token, { job_name: "parent" })).json();
    const job = await waitForJob(server, id);
    expect(job.status).toBe("completed");
    const [child] = await server.db.sql`select job_name from jobs.queue where id = ${job.result.child}`;
    expect(child).toEqual({ job_name: "flaky" });
    expect(job.result.rolledBack).toMatch(/^[0-9a-f-]{36}$/);
    expect(await server.db.sql`select 1 from jobs.queue where id = ${job.result.rolledBack}`).toHaveLength(0);
  });

  it("fluxbase.jobs.enqueue validates the payload before writing anything", async () => {
    const before = await server.db.sql`select count(*)::int as n from jobs.queue`;
    await expect(
      server.fluxbase.jobs.enqueue("send-email", { to: "x" }, { namespace: "mail" }),
    ).rejects.toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    await expect(server.fluxbase.jobs.enqueue("flaky", {}, { maxRetries: 9 })).rejects.toMatchObject({
      status: 400,
      code: "OPTION_ABOVE_LIMIT",
    });
    const after = await server.db.sql`select count(*)::int as n from jobs.queue`;
    expect(after[0]!.n).toBe(before[0]!.n);
    const ok = await server.fluxbase.jobs.enqueue(
      "send-email",
      { to: "bob@example.com", subject: "s" },
      { namespace: "mail" },
    );
    expect(ok).toMatchObject({ job_name: "send-email", namespace: "mail", status: "pending", created: true });
    expect((await waitForJob(server, ok.id)).status).toBe("completed");
  });

  it("a handler cannot be changed or deleted through the functions API", async () => {
    const res = await server.request("DELETE", "/api/v1/admin/jobs/functions/default/flaky", {
      token: server.serviceKey,
    });
    expect(res.status).toBe(409);
    expect((await res.json()).code).toBe("HANDLER_READ_ONLY");
    const upload = await server.request("POST", "/api/v1/admin/jobs/functions", {
      token: server.serviceKey,
      body: { name: "flaky", code: "export function handler() {}" },
    });
    expect(upload.status).toBe(409);
    expect(await server.db.sql`select origin from jobs.functions where name = 'flaky'`).toEqual([
      { origin: "handler" },
    ]);
  });
});
