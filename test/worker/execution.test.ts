/** Jobs run end to end: real server, real Postgres, real Deno sandbox. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNotifications } from "../../server/db/changeNotification.ts";
import {
  insertFunction,
  jobLogLines,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer({
    workers: true,
    jobs: { maxConcurrentPerWorker: 4, retryBackoffBase: 200, retryBackoffMax: 1000, cancelGrace: 700 },
  });
  alice = await server.user();
  await insertFunction(server, {
    name: "progress-result",
    code: `export async function handler(req, fluxbase, fluxbaseService, job) {
      const { items } = job.getJobPayload();
      for (let i = 0; i < items.length; i++) {
        job.reportProgress(Math.floor(((i + 1) / items.length) * 100), "item " + (i + 1), { done: i + 1 });
        await new Promise((r) => setTimeout(r, 20));
      }
      console.log("processed", items.length, "items for", job.getJobContext().user?.email);
      return { processed: items.length, method: req.method };
    }`,
  });
  await insertFunction(server, {
    name: "deep-result",
    max_retries: 0,
    code: `export async function handler() {
      let deep = [];
      for (let i = 0; i < 20000; i++) deep = [deep];
      return { deep };
    }`,
  });
  await insertFunction(server, {
    name: "returns-array",
    code: "export default async function (req, fb, svc, job) { return [1, 'two', null]; }",
  });
  await insertFunction(server, {
    name: "main-form",
    code: "export async function main(payload) { return payload.n * 2; }",
  });
  await insertFunction(server, {
    name: "throws",
    max_retries: 0,
    code: `export async function handler() { throw new Error("card declined: insufficient funds"); }`,
  });
  await insertFunction(server, {
    name: "always-fails",
    max_retries: 2,
    code: `export async function handler(req, fb, svc, job) { throw new Error("attempt " + job.getJobContext().retry_count); }`,
  });
  await insertFunction(server, {
    name: "flaky",
    max_retries: 3,
    code: `export async function handler(req, fb, svc, job) {
      const { retry_count } = job.getJobContext();
      if (retry_count < 2) throw new Error("flaky " + retry_count);
      return { succeeded_on_retry: retry_count };
    }`,
  });
  await insertFunction(server, {
    name: "sleeper",
    timeout_seconds: 1,
    max_retries: 0,
    code: "export async function handler() { await new Promise((r) => setTimeout(r, 10_000)); return 'late'; }",
  });
  await insertFunction(server, {
    name: "silent",
    progress_timeout_seconds: 1,
    max_retries: 0,
    code: "export async function handler(req, fb, svc, job) { job.reportProgress(5); await new Promise((r) => setTimeout(r, 10_000)); }",
  });
  await insertFunction(server, {
    name: "cooperative",
    code: `export async function handler(req, fb, svc, job) {
      let aborted = false;
      job.signal.addEventListener("abort", () => { aborted = true; });
      for (let i = 0; i < 200; i++) {
        if (job.checkCancellation()) {
          console.log("saw cancellation at step", i, "signal aborted:", aborted, "isCancelled:", await job.isCancelled());
          return { cancelled: true };
        }
        job.reportProgress(Math.min(99, i), "step " + i);
        await new Promise((r) => setTimeout(r, 50));
      }
      return { finished: true };
    }`,
  });
  await insertFunction(server, {
    name: "stubborn",
    code: `export async function handler(req, fb, svc, job) {
      job.reportProgress(1, "spinning");
      console.log("spinning");
      const until = Date.now() + 20_000;
      while (Date.now() < until) {}
      return "should never complete";
    }`,
  });
  await insertFunction(server, {
    name: "chatty",
    code: `export async function handler(req, fb, svc, job) {
      for (let i = 1; i <= 20000; i++) {
        job.reportProgress(Math.floor(i / 200), "tick " + i);
        if (i % 2000 === 0) await new Promise((r) => setTimeout(r, 30));
      }
      job.reportProgress(42, "last word");
      await new Promise((r) => setTimeout(r, 300));
      return "done";
    }`,
  });
  await insertFunction(server, {
    name: "child",
    code: "export async function handler(r, f, s, job) { return job.getJobPayload(); }",
  });
  await insertFunction(server, {
    name: "parent",
    code: `export async function handler(req, fluxbase, fluxbaseService, job) {
      const { data, error } = await fluxbase.jobs.submit("child", { from: job.getJobContext().job_id });
      if (error) throw new Error("follow-up failed: " + error.message);
      return { child_id: data.id, child_owner: data.created_by };
    }`,
  });
});
afterAll(() => server.stop());

const submit = async (jobName: string, payload: Record<string, unknown> = {}, user = alice) => {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: user.token,
    body: { job_name: jobName, payload },
  });
  expect(res.status).toBe(201);
  return (await res.json()).id as string;
};

describe("running jobs", () => {
  it("reports progress and stores the result, with 100% at completion", async () => {
    const id = await submit("progress-result", { items: [1, 2, 3, 4] });
    const job = await waitForJob(server, id);
    expect(job).toMatchObject({
      status: "completed",
      result: { processed: 4, method: "POST" },
      attempt: 1,
      retry_count: 0,
    });
    expect(job.progress.percent).toBe(100);
    expect(job.progress.message).toBe("item 4");
    expect(job.started_at).not.toBeNull();
    expect(job.completed_at).not.toBeNull();
    const logs = await jobLogLines(server, id);
    expect(logs).toContainEqual({ level: "info", message: `processed 4 items for ${alice.email}` });
    // Line numbers start at 1, so the API's default after_line=0 returns the very first line.
    const api = await (await server.request("GET", `/api/v1/jobs/${id}/logs`, { token: alice.token })).json();
    expect(api.logs[0]).toMatchObject({ line_number: 1, message: `processed 4 items for ${alice.email}` });
  });

  it("stores any JSON value as the result, and supports default and main exports", async () => {
    expect((await waitForJob(server, await submit("returns-array"))).result).toEqual([1, "two", null]);
    expect((await waitForJob(server, await submit("main-form", { n: 21 }))).result).toBe(42);
  });

  it("stores a thrown error's message and logs its stack", async () => {
    const id = await submit("throws");
    const job = await waitForJob(server, id);
    expect(job).toMatchObject({
      status: "failed",
      error_message: "card declined: insufficient funds",
      attempt: 1,
    });
    const logs = await jobLogLines(server, id);
    const errorText = logs
      .filter((l) => l.level === "error")
      .map((l) => l.message)
      .join("\n");
    expect(errorText).toContain("card declined: insufficient funds");
    expect(errorText).toMatch(/\bat /);
    // The stack is logged once, not again by the worker.
    expect(errorText.split("card declined").length - 1).toBe(1);
    // ...as one entry holding every frame.
    const stack = logs.filter((l) => l.message.includes("card declined"));
    expect(stack).toHaveLength(1);
    expect(stack[0]!.message).toMatch(/card declined: insufficient funds\n\s+at /);
  });

  it("fails a job whose result is nested too deep to store, instead of leaving it running", async () => {
    const id = await submit("deep-result");
    const job = await waitForJob(server, id);
    expect(job.status).toBe("failed");
    expect(job.error_message).toMatch(/^The job's result could not be stored: /);
    expect(job.result).toBeNull();
  });

  it("retries with backoff, counting every attempt exactly, then fails with the last error", async () => {
    const id = await submit("always-fails");
    const job = await waitForJob(server, id);
    expect(job).toMatchObject({ status: "failed", attempt: 3, retry_count: 2, error_message: "attempt 2" });
    const logs = await jobLogLines(server, id);
    expect(
      logs.filter((l) => l.message.startsWith("Attempt ") && l.message.includes("retrying in")),
    ).toHaveLength(2);
  });

  it("a retry that succeeds completes with its retry count", async () => {
    const job = await waitForJob(server, await submit("flaky"));
    expect(job).toMatchObject({ status: "completed", result: { succeeded_on_retry: 2 }, attempt: 3 });
  });

  it("kills a run that exceeds its timeout and says so", async () => {
    const job = await waitForJob(server, await submit("sleeper"));
    expect(job.status).toBe("failed");
    expect(job.error_message).toMatch(/timeout of 1 second/i);
  });

  it("kills a run that stops reporting progress and says so", async () => {
    const job = await waitForJob(server, await submit("silent"));
    expect(job.status).toBe("failed");
    expect(job.error_message).toMatch(/progress/i);
  });

  it("a job that uses fluxbase.jobs.submit starts a follow-up job as the same user", async () => {
    const job = await waitForJob(server, await submit("parent"));
    expect(job.status).toBe("completed");
    expect(job.result.child_owner).toBe(alice.id);
    const child = await waitForJob(server, job.result.child_id);
    expect(child).toMatchObject({ status: "completed", created_by: alice.id, result: { from: job.id } });
  });
});

describe("progress", () => {
  it("coalesces a tight loop of reports into a few writes and lands the last value", async () => {
    const updates: string[] = [];
    let id = "";
    const listener = await server.db.sql.listen("fluxbase_changes", (raw) => {
      for (const change of parseNotifications(raw))
        if (change.table === "queue" && change.type === "UPDATE" && change.id === id)
          updates.push(change.status ?? "");
    });
    // A job's progress is announced while a realtime server watches (as one with subscribers does).
    const [watch] = await server.db.sql<{ id: string }[]>`
      insert into jobs.change_watchers (id, expires_at) values (gen_random_uuid(), now() + interval '1 hour')
      returning id`;
    try {
      id = await submit("chatty");
      const running = await waitForJob(server, id, (job) => job.progress?.message === "last word");
      expect(running.progress.percent).toBe(42);
      const job = await waitForJob(server, id);
      expect(job.status).toBe("completed");
      expect(job.progress.percent).toBe(100);
      // 20 001 reports: claim + a handful of coalesced progress writes + completion.
      expect(updates.length).toBeGreaterThan(2);
      expect(updates.length).toBeLessThan(60);
    } finally {
      await server.db.sql`delete from jobs.change_watchers where id = ${watch!.id}`;
      await listener.unlisten();
    }
  });
});

describe("cancellation", () => {
  it("a running job sees a cooperative cancel and never ends completed", async () => {
    const id = await submit("cooperative");
    await waitForJob(server, id, (job) => job.status === "running" && job.progress?.percent >= 2);
    const res = await server.request("POST", `/api/v1/jobs/${id}/cancel`, { token: alice.token });
    expect(res.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const job = await waitForJob(server, id);
    expect(job.status).toBe("cancelled");
    expect(job.result).toBeNull();
    const logs = await jobLogLines(server, id);
    expect(
      logs.some((l) => /saw cancellation at step \d+ signal aborted: true isCancelled: true/.test(l.message)),
    ).toBe(true);
  });

  it("a job that ignores cancel is killed after the grace period", async () => {
    const id = await submit("stubborn");
    await waitForJob(server, id, (job) => job.status === "running" && job.progress !== null);
    const started = Date.now();
    await server.request("POST", `/api/v1/jobs/${id}/cancel`, { token: alice.token });
    await waitForLog(id, "Job cancelled");
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await waitForJob(server, id)).status).toBe("cancelled");
  });

  it("terminate kills at once", async () => {
    const id = await submit("stubborn");
    await waitForJob(server, id, (job) => job.status === "running" && job.progress !== null);
    const started = Date.now();
    const res = await server.request("POST", `/api/v1/admin/jobs/queue/${id}/terminate`, {
      token: server.serviceKey,
    });
    expect(res.status).toBe(200);
    await waitForLog(id, "Job terminated");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

async function waitForLog(id: string, message: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if ((await jobLogLines(server, id)).some((l) => l.message === message)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`log line "${message}" never appeared for ${id}`);
}
