/** `@fluxbase:schedule`: cron runs fire on time, once per tick across processes, never overlapping. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertFunction, startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ workers: true });
});
afterAll(() => server.stop());

const scheduledJobs = (name: string) =>
  server.db.sql<
    { status: string; created_by: string | null; user_role: string; payload: { scheduled_for: string } }[]
  >`
    select status, created_by, user_role, payload from jobs.queue where job_name = ${name} order by created_at`;

describe("scheduled functions", () => {
  it("fires every second for a six-field cron, as a job with no user", async () => {
    await insertFunction(server, { name: "tick", code: "export default () => 'tick'" });
    await server.db.sql`update jobs.functions set schedule = '* * * * * *' where name = 'tick'`;
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await server.db.sql`update jobs.functions set enabled = false where name = 'tick'`;
    const jobs = await scheduledJobs("tick");
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    expect(jobs.length).toBeLessThanOrEqual(5);
    expect(jobs.every((job) => job.created_by === null && job.user_role === "service_role")).toBe(true);
    const times = jobs.map((job) => job.payload.scheduled_for);
    expect(new Set(times).size).toBe(times.length);
  });

  it("skips a tick while the previous scheduled run is still going", async () => {
    await insertFunction(server, {
      name: "slow-tick",
      code: "export default async () => { await new Promise((r) => setTimeout(r, 30_000)); }",
      timeout_seconds: 60,
    });
    await server.db.sql`update jobs.functions set schedule = '* * * * * *' where name = 'slow-tick'`;
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const jobs = await scheduledJobs("slow-tick");
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.status).toBe("running");
    await server.db.sql`update jobs.functions set enabled = false where name = 'slow-tick'`;
    await server.db.sql`update jobs.queue set status = 'cancelled' where job_name = 'slow-tick'`;
  });
});
