/** GET /api/v1/admin/jobs/stats/timeline: jobs ended per minute or per hour, and the oldest wait. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createClient } from "../../sdk/src/index.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server?.stop());

it("counts ended jobs per bucket, every bucket present, with the oldest due job's wait", async () => {
  const sql = server.db.sql;
  await sql`
    insert into jobs.queue (job_name, namespace, status, completed_at, created_at) values
      ('a', 'default', 'completed', now(), now() - interval '1 minute'),
      ('a', 'default', 'completed', now(), now() - interval '1 minute'),
      ('a', 'default', 'failed', now() - interval '3 minutes', now() - interval '4 minutes'),
      ('b', 'other', 'cancelled', now() - interval '2 hours', now() - interval '3 hours'),
      ('a', 'default', 'pending', null, now() - interval '90 seconds')`;
  const client = createClient(server.url, server.serviceKey);
  const { data: hour } = await client.admin.jobs.getTimeline();
  expect(hour!.buckets).toHaveLength(60);
  expect(hour!.bucket_seconds).toBe(60);
  const last = hour!.buckets.at(-1)!;
  expect(last).toMatchObject({ completed: 2, failed: 0 });
  expect(hour!.buckets.reduce((sum, b) => sum + b.failed, 0)).toBe(1);
  expect(hour!.buckets.reduce((sum, b) => sum + b.cancelled, 0)).toBe(0);
  expect(hour!.oldest_pending_seconds).toBeGreaterThanOrEqual(89);

  const { data: day } = await client.admin.jobs.getTimeline({ range: "day" });
  expect(day!.buckets).toHaveLength(24);
  expect(day!.buckets.reduce((sum, b) => sum + b.cancelled, 0)).toBe(1);
  const { data: other } = await client.admin.jobs.getTimeline({ range: "day", namespace: "other" });
  expect(other!.buckets.reduce((sum, b) => sum + b.completed + b.failed + b.cancelled, 0)).toBe(1);
  expect(other!.oldest_pending_seconds).toBeNull();

  const bad = await server.request("GET", "/api/v1/admin/jobs/stats/timeline?range=week", {
    token: server.serviceKey,
  });
  expect(bad.status).toBe(400);
  const user = await server.user();
  const refused = await server.request("GET", "/api/v1/admin/jobs/stats/timeline", { token: user.token });
  expect(refused.status).toBe(403);
});
