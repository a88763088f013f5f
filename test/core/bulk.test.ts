/** POST /api/v1/admin/jobs/queue/bulk: retry, cancel or delete many jobs, with an outcome per id. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Running ones hold a live lease: every process's reaper requeues a running job whose lease is gone. */
async function jobs(name: string, status: string, count: number): Promise<string[]> {
  const rows = await server.db.sql<{ id: string }[]>`
    insert into jobs.queue (job_name, status, error_message, max_retries, lease_token, lease_expires_at)
    select ${name}, ${status}, ${status === "failed" ? "boom" : null}, 3,
      ${status === "running" ? server.db.sql`gen_random_uuid(), now() + interval '1 hour'` : server.db.sql`null, null`}
    from generate_series(1, ${count}) returning id`;
  return rows.map((row) => row.id);
}

const bulk = (body: unknown, token = server.serviceKey) =>
  server.request("POST", "/api/v1/admin/jobs/queue/bulk", { token, body });
const statuses = async (ids: string[]) =>
  (
    await server.db.sql<
      { status: string }[]
    >`select status from jobs.queue where id = any(${ids}::uuid[]) order by status`
  ).map((row) => row.status);

it("cancels the listed jobs it may, and says why it skipped the others", async () => {
  const [pending] = await jobs("bulk-a", "pending", 1);
  const [running] = await jobs("bulk-a", "running", 1);
  const [done] = await jobs("bulk-a", "completed", 1);
  const missing = randomUUID();
  const res = await bulk({ action: "cancel", ids: [pending, running, done, missing] });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    action: "cancel",
    counts: { cancelled: 2, skipped: 2 },
    results: [
      { id: pending, outcome: "cancelled" },
      { id: running, outcome: "cancelled" },
      { id: done, outcome: "skipped", reason: "status completed" },
      { id: missing, outcome: "skipped", reason: "not found" },
    ],
  });
});

it("retries the failed jobs a filter matches, and no other", async () => {
  const failed = await jobs("bulk-b", "failed", 30);
  const otherFunction = await jobs("bulk-b2", "failed", 2);
  const res = await bulk({ action: "retry", filter: { status: ["failed"], job_name: "bulk-b" } });
  const body = await res.json();
  expect(body.counts).toEqual({ retried: 30 });
  expect(await statuses(failed)).toEqual(Array(30).fill("pending"));
  expect(await statuses(otherFunction)).toEqual(["failed", "failed"]);
});

it("deletes finished and pending jobs, never a running one", async () => {
  const finished = await jobs("bulk-c", "completed", 3);
  const [running] = await jobs("bulk-c", "running", 1);
  const body = await (await bulk({ action: "delete", filter: { job_name: "bulk-c" } })).json();
  expect(body.counts).toEqual({ deleted: 3, skipped: 1 });
  expect(await statuses(finished)).toEqual([]);
  expect(await statuses([running!])).toEqual(["running"]);
});

it("is client.admin.jobs.bulk in the SDK", async () => {
  const ids = await jobs("bulk-e", "pending", 3);
  const { createClient } = await import("../../sdk/src/index.ts");
  const client = createClient(server.url, { serviceKey: server.serviceKey });
  const { data, error } = await client.admin.jobs.bulk("cancel", { ids });
  expect(error).toBeNull();
  expect(data?.counts).toEqual({ cancelled: 3 });
});

it("refuses bad requests with 400 and users with 403, touching nothing", async () => {
  const [pending] = await jobs("bulk-d", "pending", 1);
  const tooMany = Array.from({ length: 10_001 }, () => randomUUID());
  for (const body of [
    { action: "cancel" },
    { action: "cancel", ids: [pending], filter: { job_name: "bulk-d" } },
    { action: "archive", ids: [pending] },
    { action: "cancel", ids: ["not-a-uuid"] },
    { action: "cancel", ids: tooMany },
    { action: "cancel", filter: { state: "failed" } },
  ]) {
    const res = await bulk(body);
    expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    expect((await res.json()).code).toBe("VALIDATION_ERROR");
  }
  const user = await server.user();
  expect((await bulk({ action: "cancel", ids: [pending] }, user.token)).status).toBe(403);
  expect(await statuses([pending!])).toEqual(["pending"]);
});
