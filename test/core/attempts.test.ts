/**
 * Every attempt of a job leaves a row, written in the same transaction as the status change:
 * a failed attempt that is retried, the completing one, a cancelled run. Real workers and Deno.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertFunction,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer({ workers: true, jobs: { retryBackoffBase: 100, retryBackoffMax: 200 } });
  alice = await server.user();
  await insertFunction(server, {
    name: "second-time-lucky",
    max_retries: 2,
    code: `export default async (req, fb, svc, job) => {
      if (job.getJobContext().retry_count === 0) throw new Error("first try fails");
      return "ok";
    }`,
  });
  await insertFunction(server, {
    name: "long",
    code: "export default async (req, fb, svc, job) => { job.reportProgress(1); await new Promise((r) => setTimeout(r, 20000)); }",
  });
});
afterAll(async () => {
  await server?.stop();
});

async function submit(name: string): Promise<string> {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: name },
  });
  expect(res.status).toBe(201);
  return (await res.json()).id;
}
const attempts = async (id: string, token = alice.token) =>
  server.request("GET", `/api/v1/jobs/${id}/attempts`, { token });

it("records a failed attempt that is retried, then the one that completes", async () => {
  const id = await submit("second-time-lucky");
  expect((await waitForJob(server, id)).status).toBe("completed");
  const res = await attempts(id);
  expect(res.status).toBe(200);
  const { attempts: rows } = await res.json();
  expect(rows).toEqual([
    expect.objectContaining({
      attempt: 1,
      outcome: "retry",
      error_message: expect.stringContaining("first try fails"),
    }),
    expect.objectContaining({ attempt: 2, outcome: "completed", error_message: null }),
  ]);
  for (const row of rows) {
    expect(row.worker_id).toEqual(expect.any(String));
    expect(new Date(row.finished_at).getTime()).toBeGreaterThanOrEqual(new Date(row.started_at).getTime());
  }
});

it("shows a running attempt without an outcome, then cancelled", async () => {
  const id = await submit("long");
  await waitForJob(server, id, (job) => job.status === "running");
  expect((await (await attempts(id)).json()).attempts).toEqual([
    expect.objectContaining({ attempt: 1, outcome: null, finished_at: null }),
  ]);
  await server.request("POST", `/api/v1/jobs/${id}/cancel`, { token: alice.token });
  expect((await (await attempts(id)).json()).attempts).toEqual([
    expect.objectContaining({ attempt: 1, outcome: "cancelled", finished_at: expect.any(String) }),
  ]);
});

it("hides another user's attempts behind 404, and is client.jobs.getAttempts in the SDK", async () => {
  const id = await submit("second-time-lucky");
  await waitForJob(server, id);
  const bob = await server.user();
  const hidden = await attempts(id, bob.token);
  expect(hidden.status).toBe(404);
  expect((await hidden.json()).code).toBe("JOB_NOT_FOUND");
  const { createClient } = await import("../../sdk/src/index.ts");
  const { data, error } = await createClient(server.url, alice.token).jobs.getAttempts(id);
  expect(error).toBeNull();
  expect(data?.map((a) => a.outcome)).toEqual(["retry", "completed"]);
});

it("a job waiting for its retry shows when the next attempt starts, and the last error", async () => {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: alice.token,
    body: { job_name: "second-time-lucky", backoff: { base_ms: 60_000, max_ms: 60_000 } },
  });
  const { id } = await res.json();
  await waitForJob(server, id, (job) => job.status === "pending" && job.attempt === 1);
  const job = await (await server.request("GET", `/api/v1/jobs/${id}`, { token: alice.token })).json();
  expect(job.error_message).toContain("first try fails");
  const wait = new Date(job.next_attempt_at).getTime() - Date.now();
  expect(wait).toBeGreaterThan(20_000);
  expect(wait).toBeLessThanOrEqual(60_000);
  await server.request("POST", `/api/v1/jobs/${id}/cancel`, { token: alice.token });
  const cancelled = await (await server.request("GET", `/api/v1/jobs/${id}`, { token: alice.token })).json();
  expect(cancelled.next_attempt_at).toBeNull();
});

describe("the attempt a job ends with, held by its row", () => {
  const worker = "7b1e9a52-4a4e-4c1e-9a4f-0c7d5e3b2a10";
  // The server's workers must not run these jobs when they turn pending: their namespace is paused.
  beforeAll(async () => {
    await server.db.sql`insert into jobs.paused_queues (namespace, job_name) values ('held', '*')`;
  });
  /**
   * A job of alice's that is running its `attempt`-th attempt on `worker`, as a claim leaves it —
   * with a lease an hour long, so the server's reaper does not take it back while a test runs.
   */
  async function running(attempt = 1): Promise<string> {
    const [row] = await server.db.sql<{ id: string }[]>`
      insert into jobs.queue (namespace, job_name, status, attempt, worker_id, lease_token, lease_expires_at,
        started_at, created_by)
      values ('held', 'long', 'running', ${attempt}, ${worker}, gen_random_uuid(), now() + interval '1 hour',
        now(), ${alice.id})
      returning id`;
    return row!.id;
  }
  const list = async (id: string) =>
    (await (await attempts(id)).json()).attempts as Record<string, unknown>[];
  const rows = async (id: string) =>
    (await server.db.sql`select count(*)::int as n from jobs.attempts where job_id = ${id}`)[0]!.n as number;

  it("a failed job keeps its worker and last error, and a manual retry keeps that attempt in the list", async () => {
    const id = await running();
    await server.db.sql`update jobs.queue set status = 'failed', error_message = 'boom', lease_token = null
      where id = ${id}`;
    expect(await rows(id)).toBe(0); // the row itself holds it
    const failed = await list(id);
    expect(failed).toEqual([
      expect.objectContaining({ attempt: 1, worker_id: worker, outcome: "failed", error_message: "boom" }),
    ]);
    expect(failed[0]!.finished_at).toEqual(expect.any(String));

    const retried = await server.request("POST", `/api/v1/jobs/${id}/retry`, { token: alice.token });
    expect(retried.status).toBe(200);
    expect(await list(id)).toEqual(failed); // written out before the row was reset
    await server.db.sql`update jobs.queue set status = 'running', attempt = 1, worker_id = ${worker},
      lease_token = gen_random_uuid(), lease_expires_at = now() + interval '1 hour',
      started_at = clock_timestamp() where id = ${id}`;
    await server.db.sql`update jobs.queue set status = 'completed' where id = ${id}`;
    expect((await list(id)).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "failed"],
      [1, "completed"],
    ]);
  });

  it("a job cancelled while it waits for its retry ends with the attempt already listed, not a copy", async () => {
    const id = await running();
    await server.db.sql`update jobs.queue set status = 'pending', error_message = 'first try fails',
      worker_id = null, lease_token = null where id = ${id}`;
    await server.request("POST", `/api/v1/jobs/${id}/cancel`, { token: alice.token });
    expect((await list(id)).map((a) => [a.attempt, a.outcome])).toEqual([[1, "retry"]]);
  });

  it("a job whose worker died with no attempts left shows the attempt as recovered, on that worker", async () => {
    const id = await running(4);
    await server.db
      .sql`update jobs.queue set status = 'failed', error_message = 'Worker lost during execution',
      lease_token = null where id = ${id}`;
    expect(await list(id)).toEqual([
      expect.objectContaining({ attempt: 4, worker_id: worker, outcome: "recovered" }),
    ]);
  });

  it("a job finished before this change, whose final attempt was written as a row, lists it once", async () => {
    const id = await running();
    await server.db.sql`update jobs.queue set status = 'completed', lease_token = null where id = ${id}`;
    await server.db
      .sql`insert into jobs.attempts (job_id, attempt, worker_id, started_at, finished_at, outcome)
      select id, attempt, worker_id, started_at, completed_at, 'completed' from jobs.queue where id = ${id}`;
    expect((await list(id)).map((a) => a.outcome)).toEqual(["completed"]);
  });
});
