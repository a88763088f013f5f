/**
 * The scheduler firing rows of jobs.schedules in a server with workers: annotation schedules
 * (`@fluxbase:schedule` in the jobs folder, defineJob({ schedule })) and API schedules with their
 * payload, time zone, overlap and misfire policies; a pause that survives reloads and restarts; a
 * bad cron that keeps a function from loading instead of leaving it silently unscheduled.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFluxbase } from "../../server/app.ts";
import { defineJob } from "../../server/handlers/defineJob.ts";
import { createLogger } from "../../server/log.ts";
import {
  insertFunction,
  startTestServer,
  type TestServer,
  testJwtSecret,
  waitForJob,
} from "../support/server.ts";

let server: TestServer;
let jobsDir: string;
const handled: unknown[] = [];

const ticking = defineJob({
  name: "ticking-handler",
  schedule: "* * * * * *",
  handler: (ctx, payload) => {
    handled.push(payload);
    return { user: ctx.job.user };
  },
});

beforeAll(async () => {
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-sched-"));
  server = await startTestServer({
    workers: true,
    handlers: [ticking],
    jobs: { dir: jobsDir, watch: true },
  });
  // The handler's schedule fires every second; the tests below look at it once, then pause it.
}, 60_000);
afterAll(async () => {
  await server.stop();
  rmSync(jobsDir, { recursive: true, force: true });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const admin = async (method: string, route: string, body?: unknown) => {
  const response = await server.request(method, `/api/v1/admin/jobs/schedules${route}`, {
    token: server.serviceKey,
    body,
  });
  return (await response.json()) as Record<string, any>;
};
const scheduleOf = async (jobName: string) =>
  (await server.db.sql`select * from jobs.schedules where job_name = ${jobName}`)[0];
const jobsOf = (jobName: string) =>
  server.db.sql<
    {
      id: string;
      status: string;
      created_by: string | null;
      user_role: string;
      payload: any;
      idempotency_key: string;
    }[]
  >`select id, status, created_by, user_role, payload, idempotency_key from jobs.queue
    where job_name = ${jobName} order by created_at`;

describe("the scheduler", () => {
  it("fires a trusted handler's schedule every second, as a job with no user, each fire time once", async () => {
    const jobs = await until(async () => {
      const rows = await jobsOf("ticking-handler");
      return rows.filter((row) => row.status === "completed").length >= 2 ? rows : undefined;
    });
    const schedule = await scheduleOf("ticking-handler");
    expect(schedule).toMatchObject({ source: "annotation", cron: "* * * * * *", name: "ticking-handler" });
    await admin("POST", `/${schedule!.id}/pause`);
    expect(jobs.every((job) => job.created_by === null && job.user_role === "service_role")).toBe(true);
    const times = jobs.map((job) => job.payload.scheduled_for);
    expect(new Set(times).size).toBe(times.length);
    expect(handled.length).toBeGreaterThanOrEqual(2);
    const runs = await server.db
      .sql`select fire_time, job_id from jobs.schedule_runs where schedule_id = ${schedule!.id}`;
    expect(runs.length).toBe(jobs.length);
    expect(runs.map((run) => run.fire_time.toISOString()).sort()).toEqual([...times].sort());
  });

  it("runs an API schedule with its payload, and records the last run on the schedule", async () => {
    await insertFunction(server, {
      name: "echo",
      code: "export async function handler(req, fb, svc, job) { return job.getJobPayload(); }",
    });
    const created = await admin("POST", "", {
      name: "echo-every-second",
      job_name: "echo",
      cron: "* * * * * *",
      timezone: "Pacific/Chatham",
      payload: { greeting: "hi" },
    });
    const [first] = await until(async () => {
      const rows = await jobsOf("echo");
      return rows.length > 0 ? rows : undefined;
    });
    const done = await waitForJob(server, first!.id);
    await admin("POST", `/${created.id}/pause`);
    expect(done.result).toEqual({ greeting: "hi", scheduled_for: expect.any(String) });
    // The fire time is a whole second (a six-field cron), in any time zone.
    expect(new Date(done.result.scheduled_for).getUTCMilliseconds()).toBe(0);
    const after = await admin("GET", `/${created.id}`);
    expect(after.last_job_id).not.toBeNull();
    expect(after.last_run_at).not.toBeNull();
  });

  it("skips a fire time while the previous run is still going (overlap skip), not with allow", async () => {
    await insertFunction(server, {
      name: "slow",
      code: "export default async () => { await new Promise((r) => setTimeout(r, 30_000)); }",
      timeout_seconds: 60,
    });
    const skip = await admin("POST", "", { name: "slow-skip", job_name: "slow", cron: "* * * * * *" });
    await sleep(3_500);
    await admin("POST", `/${skip.id}/pause`);
    const skipped = await jobsOf("slow");
    expect(skipped).toHaveLength(1);
    const allow = await admin("POST", "", {
      name: "slow-allow",
      job_name: "slow",
      cron: "* * * * * *",
      overlap: "allow",
    });
    await sleep(3_500);
    await admin("POST", `/${allow.id}/pause`);
    const allowed = (await jobsOf("slow")).filter((job) =>
      job.idempotency_key.startsWith(`schedule:${allow.id}:`),
    );
    expect(allowed.length).toBeGreaterThanOrEqual(2);
    await server.db
      .sql`update jobs.queue set status = 'cancelled' where job_name = 'slow' and status <> 'cancelled'`;
  });

  it("after downtime, misfire skip drops the missed fire times and run_once runs one job for them", async () => {
    await insertFunction(server, { name: "missed", code: "export default () => 'caught up'" });
    const skip = await admin("POST", "", { name: "missed-skip", job_name: "missed", cron: "@hourly" });
    const once = await admin("POST", "", {
      name: "missed-once",
      job_name: "missed",
      cron: "@hourly",
      misfire: "run_once",
    });
    // As if no scheduler had run for three hours.
    await server.db.sql`update jobs.schedules set next_run_at = date_trunc('hour', now()) - interval '3 hours'
      where id in (${skip.id}, ${once.id})`;
    const [{ now }] = await server.db.sql`select now() as now`;
    const moved = await until(async () => {
      const rows = await server.db
        .sql`select id, next_run_at from jobs.schedules where id in (${skip.id}, ${once.id})`;
      return rows.every((row) => row.next_run_at > now) ? rows : undefined;
    });
    expect(moved).toHaveLength(2);
    await sleep(1_500);
    const jobs = await jobsOf("missed");
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.idempotency_key.startsWith(`schedule:${once.id}:`)).toBe(true);
    const expected = new Date(now);
    expected.setUTCMinutes(0, 0, 0);
    expected.setUTCHours(expected.getUTCHours() - 3);
    expect(jobs[0]!.payload.scheduled_for).toBe(expected.toISOString());
  });
});

describe("annotation schedules from the jobs folder", () => {
  const write = (name: string, source: string) => writeFileSync(path.join(jobsDir, `${name}.ts`), source);
  const fnRow = async (name: string) =>
    (
      await server.db
        .sql`select schedule, bundle_error, code_hash, version from jobs.functions where name = ${name}`
    )[0];

  it("a pause survives a reload of the file and a restart of the server", async () => {
    write("heartbeat", "// @fluxbase:schedule * * * * * *\nexport default () => 'beat';\n");
    const schedule = await until(async () => {
      const row = await scheduleOf("heartbeat");
      return row?.next_run_at ? row : undefined;
    });
    await until(async () => ((await jobsOf("heartbeat")).length > 0 ? true : undefined));
    await admin("POST", `/${schedule.id}/pause`);
    const before = (await jobsOf("heartbeat")).length;
    // A reload with a new cron keeps the pause (and the row).
    write("heartbeat", "// @fluxbase:schedule */2 * * * * *\nexport default () => 'beat!';\n");
    await until(async () => ((await scheduleOf("heartbeat"))?.cron === "*/2 * * * * *" ? true : undefined));
    // A second server process on the same database: the pause is in the row, not in memory.
    const again = createFluxbase({
      env: {},
      options: {
        port: 0,
        host: "127.0.0.1",
        databaseUrl: server.db.url,
        jwtSecret: testJwtSecret,
        dataDir: server.dataDir,
        jobs: {
          dir: jobsDir,
          embeddedWorkerCount: 1,
          apiLaneConcurrency: 0,
          pollInterval: 200,
          shutdownTimeout: 2000,
        },
      },
      logger: createLogger("error"),
    });
    await again.start();
    try {
      await sleep(2_500);
      expect(await scheduleOf("heartbeat")).toMatchObject({
        id: schedule.id,
        enabled: false,
        next_run_at: null,
      });
      expect((await jobsOf("heartbeat")).length).toBe(before);
    } finally {
      await again.stop();
    }
  });

  it("a bad cron keeps the function from loading (the last good version keeps its schedule)", async () => {
    write("cleanup", "// @fluxbase:schedule 0 3 * * *\nexport default () => 'clean';\n");
    const good = await until(async () => {
      const row = await fnRow("cleanup");
      return row?.code_hash ? row : undefined;
    });
    write("cleanup", "// @fluxbase:schedule 0 3 * *\nexport default () => 'clean!';\n");
    const bad = await until(async () => {
      const row = await fnRow("cleanup");
      return row?.bundle_error ? row : undefined;
    });
    expect(bad.bundle_error).toContain(
      "cleanup.ts:1: @fluxbase:schedule: expected a cron expression of 5 fields",
    );
    expect(bad).toMatchObject({ code_hash: good.code_hash, schedule: "0 3 * * *" });
    expect(await scheduleOf("cleanup")).toMatchObject({ cron: "0 3 * * *", source: "annotation" });
  });

  it("a new function whose */5 closed its /** */ comment is not loaded, and the error says to use //", async () => {
    write(
      "every5",
      "/**\n * Every five minutes.\n * @fluxbase:schedule */5 * * * *\n */\nexport default () => 1;\n",
    );
    const row = await until(async () => {
      const found = await fnRow("every5");
      return found?.bundle_error ? found : undefined;
    });
    expect(row.code_hash).toBeNull();
    expect(row.bundle_error).toContain("// @fluxbase:schedule */5 * * * *");
    expect(await scheduleOf("every5")).toBeUndefined();
    // The // form is read as written.
    write("every5", "// Every five minutes.\n// @fluxbase:schedule */5 * * * *\nexport default () => 1;\n");
    await until(async () => ((await scheduleOf("every5"))?.cron === "*/5 * * * *" ? true : undefined));
    expect((await fnRow("every5"))!.bundle_error).toBeNull();
  });
});
