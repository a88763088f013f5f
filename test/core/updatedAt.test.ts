/**
 * A job's updated_at only moves forward: a write whose transaction began before another write but
 * took the row lock after it still stamps a later time, so a reader keeping the newest version of a
 * row (the admin view does) never mistakes the newer state for the stale one.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { claimJobs } from "../../server/queue/claimJobs.ts";
import { completeJobs } from "../../server/queue/finishJob.ts";
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

type Stamps = { status: string; updated_at: Date; completed_at: Date | null; cancel_mode: string | null };
const stamps = async (id: string): Promise<Stamps> =>
  (
    await server.db.sql<Stamps[]>`
    select status, updated_at, completed_at, cancel_mode from jobs.queue where id = ${id}`
  )[0]!;

it("the claim and the completion batch stamp their rows forward themselves, as the trigger would", async () => {
  const { sql } = server.db;
  const [job] = await sql<{ id: string }[]>`
    insert into jobs.queue (namespace, job_name) values ('default', 'slow') returning id`;
  const submitted = await stamps(job!.id);
  const [claimed] = await claimJobs(sql, [crypto.randomUUID()], 10, 60_000, {
    lane: "worker",
    handlerKeys: [],
  });
  expect(claimed?.id).toBe(job!.id);
  const running = await stamps(job!.id);
  expect(running.status).toBe("running");
  expect(running.updated_at.getTime()).toBeGreaterThan(submitted.updated_at.getTime());
  const won = await completeJobs(sql, [{ lease: claimed!, result: { ok: true } }]);
  expect([...won]).toEqual([job!.id]);
  const completed = await stamps(job!.id);
  expect(completed.status).toBe("completed");
  expect(completed.completed_at).toBeInstanceOf(Date);
  expect(completed.updated_at.getTime()).toBeGreaterThan(running.updated_at.getTime());
});

it("a write that sets updated_at itself still gets a forward stamp and the end times of the status it sets", async () => {
  const { sql } = server.db;
  const insert = async () =>
    (
      await sql<{ id: string }[]>`
      insert into jobs.queue (namespace, job_name) values ('default', 'slow') returning id`
    )[0]!.id;
  const back = await insert();
  const before = await stamps(back);
  await sql`update jobs.queue set updated_at = updated_at - interval '1 day' where id = ${back}`;
  expect((await stamps(back)).updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());

  const failed = await insert();
  await sql`update jobs.queue set status = 'failed', updated_at = clock_timestamp() + interval '1 second'
    where id = ${failed}`;
  expect(await stamps(failed)).toMatchObject({ status: "failed", completed_at: expect.any(Date) });

  const cancelled = await insert();
  await sql`update jobs.queue set status = 'cancelled', updated_at = clock_timestamp() + interval '1 second'
    where id = ${cancelled}`;
  expect(await stamps(cancelled)).toMatchObject({
    status: "cancelled",
    cancel_mode: "cancel",
    completed_at: expect.any(Date),
  });
});
