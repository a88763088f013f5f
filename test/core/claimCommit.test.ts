/**
 * A claim's transaction commits without waiting for its WAL flush (server/queue/claimJobs.ts), and only it:
 * the setting ends with the claim's transaction, so the submits and outcomes written next on the same
 * connection still commit durably.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { claimJobs } from "../../server/queue/claimJobs.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const setting = async (sql: TestDatabase["sql"]) =>
  (await sql<{ s: string }[]>`select current_setting('synchronous_commit') as s`)[0]!.s;

it("commits a claim without waiting for the flush, and nothing after it", async () => {
  await db.sql`insert into jobs.queue (namespace, job_name, kind, payload)
    select 'default', 'commit-' || n, 'handler', '{}'::jsonb from generate_series(1, 3) n`;
  const handlers = ["default/commit-1", "default/commit-2", "default/commit-3"];
  const inClaim = await db.sql.begin(async (tx) => {
    expect(await setting(tx)).toBe("on");
    const claimed = await claimJobs(tx as never, [crypto.randomUUID(), crypto.randomUUID()], 100, 60_000, {
      lane: "worker",
      handlerKeys: handlers,
    });
    expect(claimed).toHaveLength(2);
    return setting(tx);
  });
  expect(inClaim).toBe("off");

  // A connection that has claimed writes durably again in its next transaction.
  const conn = await db.sql.reserve();
  try {
    await claimJobs(conn as never, [crypto.randomUUID()], 100, 60_000, {
      lane: "worker",
      handlerKeys: handlers,
    });
    expect(await setting(conn as never)).toBe("on");
  } finally {
    conn.release();
  }
  const [{ running }] =
    await db.sql`select count(*)::int as running from jobs.queue where status = 'running'`;
  expect(running).toBe(3);
});
