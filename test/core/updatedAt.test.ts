/**
 * A job's updated_at only moves forward: a write whose transaction began before another write but
 * took the row lock after it still stamps a later time, so a reader keeping the newest version of a
 * row (the admin view does) never mistakes the newer state for the stale one.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { insertFunction, startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await insertFunction(server, { name: "slow" });
});
afterAll(async () => {
  await server?.stop();
});

it("stamps the later write with the later time, whatever its transaction's start", async () => {
  const { sql } = server.db;
  const [job] = await sql`
    insert into jobs.queue (namespace, job_name, status, attempt, lease_token, lease_expires_at, started_at)
    values ('default', 'slow', 'running', 1, gen_random_uuid(), now() + interval '1 hour', now())
    returning id`;
  let early!: Date;
  await sql.begin(async (tx) => {
    // This transaction's now() is taken here, before the other write.
    await tx`select now()`;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [{ updated_at }] =
      await sql`update jobs.queue set progress = '{"percent": 50}' where id = ${job!.id}
      returning updated_at`;
    early = updated_at;
    await tx`update jobs.queue set status = 'cancelled' where id = ${job!.id}`;
  });
  const [after] = await sql`select status, updated_at from jobs.queue where id = ${job!.id}`;
  expect(after!.status).toBe("cancelled");
  expect((after!.updated_at as Date).getTime()).toBeGreaterThan(early.getTime());
});
