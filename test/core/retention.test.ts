/**
 * Retention: finished jobs past their age are deleted (with their logs) in batches by one process
 * at a time; an admin can purge on demand. Real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../server/config/resolveConfig.ts";
import { createSql, type Sql } from "../../server/db/createSql.ts";
import { createLogger } from "../../server/log.ts";
import { createRetentionSweeper } from "../../server/worker/retentionSweeper.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
const pools: Sql[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await server?.stop();
});

/** Finished jobs of `name` that ended `hoursAgo` hours ago, each with a log line. */
async function finished(name: string, status: string, hoursAgo: number, count: number): Promise<string[]> {
  const rows = await server.db.sql<{ id: string }[]>`
    insert into jobs.queue (job_name, status)
    select ${name}, ${status} from generate_series(1, ${count}) returning id`;
  const ids = rows.map((row) => row.id);
  await server.db.sql`update jobs.queue set completed_at = now() - make_interval(hours => ${hoursAgo})
    where id = any(${ids}::uuid[])`;
  await server.db.sql`insert into jobs.logs (job_id, attempt, line_number, level, message)
    select id, 1, 1, 'info', 'hello' from unnest(${ids}::uuid[]) as id`;
  return ids;
}

const count = async (ids: string[]) =>
  (
    await server.db.sql<
      { n: number }[]
    >`select count(*)::int as n from jobs.queue where id = any(${ids}::uuid[])`
  )[0]!.n;
const logCount = async (ids: string[]) =>
  (
    await server.db.sql<
      { n: number }[]
    >`select count(*)::int as n from jobs.logs where job_id = any(${ids}::uuid[])`
  )[0]!.n;

function sweeper(env: Record<string, string>) {
  const pool = createSql(server.db.url, { max: 1, role: "service_role" });
  pools.push(pool);
  const config = resolveConfig({ env, options: { dataDir: server.dataDir } });
  return createRetentionSweeper(pool, config.jobs, createLogger("error"));
}

describe("the retention sweep", () => {
  it("deletes finished jobs past their status's age with their logs, in batches, and nothing else", async () => {
    const oldDone = await finished("sweep-a", "completed", 48, 2500);
    const newDone = await finished("sweep-a", "completed", 1, 5);
    const oldFailed = await finished("sweep-a", "failed", 48, 5); // within FAILED's 30 days
    const veryOldFailed = await finished("sweep-a", "failed", 24 * 40, 5);
    const oldCancelled = await finished("sweep-a", "cancelled", 24 * 8, 5); // past CANCELLED's 7 days
    const [pending] = await server.db.sql<{ id: string }[]>`
      insert into jobs.queue (job_name, status) values ('sweep-a', 'pending') returning id`;
    const deleted = await sweeper({ FLUXBASE_JOBS_RETENTION_COMPLETED: "1d" }).sweep();
    expect(deleted).toBe(2500 + 5 + 5);
    expect(await count(oldDone)).toBe(0);
    expect(await logCount(oldDone)).toBe(0);
    expect(await count(veryOldFailed)).toBe(0);
    expect(await count(oldCancelled)).toBe(0);
    expect(await count(newDone)).toBe(5);
    expect(await count(oldFailed)).toBe(5);
    expect(await count([pending!.id])).toBe(1);
  });

  it("runs in one process at a time: two sweepers together delete each job once", async () => {
    const old = await finished("sweep-b", "completed", 24 * 10, 3000);
    const [a, b] = await Promise.all([sweeper({}).sweep(), sweeper({}).sweep()]);
    expect(a + b).toBe(3000);
    expect(Math.min(a, b)).toBe(0);
    expect(await count(old)).toBe(0);
  });

  it("keeps everything when the ages are 0", async () => {
    const old = await finished("sweep-c", "completed", 24 * 365, 3);
    const keep = sweeper({
      FLUXBASE_JOBS_RETENTION_COMPLETED: "0",
      FLUXBASE_JOBS_RETENTION_FAILED: "0",
      FLUXBASE_JOBS_RETENTION_CANCELLED: "0",
    });
    expect(await keep.sweep()).toBe(0);
    expect(await count(old)).toBe(3);
  });
});

describe("DELETE /api/v1/admin/jobs/queue", () => {
  const purge = (query: string, token = server.serviceKey) =>
    server.request("DELETE", `/api/v1/admin/jobs/queue?${query}`, { token });

  it("purges the finished jobs the filter names and answers the count", async () => {
    const failed = await finished("purge-me", "failed", 5, 1200);
    const other = await finished("purge-other", "failed", 5, 3);
    const recent = await finished("purge-me", "failed", 0, 2);
    const admin = await server.user("admin");
    const res = await purge("status=failed,cancelled&older_than=1h&job_name=purge-me", admin.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: 1200 });
    expect(await count(failed)).toBe(0);
    expect(await count(other)).toBe(3);
    expect(await count(recent)).toBe(2);
  });

  it("is client.admin.jobs.purge in the SDK", async () => {
    const old = await finished("purge-sdk", "cancelled", 3, 4);
    const { createClient } = await import("../../sdk/src/index.ts");
    const client = createClient(server.url, { serviceKey: server.serviceKey });
    const { data, error } = await client.admin.jobs.purge({
      status: ["cancelled"],
      olderThan: "2h",
      jobName: "purge-sdk",
    });
    expect(error).toBeNull();
    expect(data).toEqual({ deleted: 4 });
    expect(await count(old)).toBe(0);
  });

  it("refuses bad filters with 400 and users with 403, deleting nothing", async () => {
    const kept = await finished("purge-kept", "completed", 48, 2);
    const user = await server.user();
    const cases: [string, number, string][] = [
      ["status=pending&older_than=1d", 400, "VALIDATION_ERROR"],
      ["status=completed", 400, "VALIDATION_ERROR"],
      ["status=completed&older_than=soon", 400, "VALIDATION_ERROR"],
      ["status=completed&older_than=1d&since=1h", 400, "VALIDATION_ERROR"],
      ["older_than=1d", 400, "VALIDATION_ERROR"],
    ];
    for (const [query, status, code] of cases) {
      const res = await purge(query);
      expect(res.status, query).toBe(status);
      expect((await res.json()).code, query).toBe(code);
    }
    const refused = await purge("status=completed&older_than=1d", user.token);
    expect(refused.status).toBe(403);
    expect(await count(kept)).toBe(2);
  });
});
