/**
 * Two `fluxbase start` processes sharing one database fire every fire time of every schedule
 * exactly once: no fire time twice, none left out, also when one of them is killed mid-way.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mintToken } from "../../server/auth/mintToken.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { testJwtSecret } from "../support/server.ts";
import { type ServerProcess, spawnServer } from "../support/serverProcess.ts";

let db: TestDatabase;
let dataDir: string;
let jobsDir: string;
let serviceKey: string;
const spawned: ServerProcess[] = [];
const SCHEDULES = 8;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-sched-proc-"));
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-sched-proc-jobs-"));
  serviceKey = await mintToken(testJwtSecret, { role: "service_role", expiresIn: "1h" });
  const code = "export default () => 'tick'";
  await db.sql`insert into jobs.functions (name, source, code, code_hash) values ('tick', ${code}, ${code}, md5(${code}))`;
});

afterAll(async () => {
  for (const proc of spawned) proc.child.kill("SIGKILL");
  await db.drop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(jobsDir, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const proc = await spawnServer({
    FLUXBASE_DATABASE_URL: db.url,
    FLUXBASE_DATA_DIR: dataDir,
    FLUXBASE_JOBS_DIR: jobsDir,
    FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT: "1",
    FLUXBASE_JOBS_WORKER_HEARTBEAT_INTERVAL: "1s",
    FLUXBASE_JOBS_WORKER_TIMEOUT: "3s",
  });
  spawned.push(proc);
  return proc;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it("two processes fire each fire time of each schedule exactly once, none left out, even when one dies", async () => {
  const [first, second] = await Promise.all([start(), start()]);
  const ids: string[] = [];
  for (let n = 0; n < SCHEDULES; n++) {
    const response = await fetch(`${first.url}/api/v1/admin/jobs/schedules`, {
      method: "POST",
      headers: { authorization: `Bearer ${serviceKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: `race-${n}`, job_name: "tick", cron: "* * * * * *", overlap: "allow" }),
    });
    expect(response.status).toBe(201);
    ids.push((await response.json()).id);
  }
  await sleep(4_000);
  second!.child.kill("SIGKILL");
  await second!.exited;
  await sleep(3_000);
  await db.sql`update jobs.schedules set enabled = false, next_run_at = null`;
  await sleep(1_500);
  first!.child.kill("SIGTERM");
  await first!.exited;

  const jobs = await db.sql<{ key: string; fire: string }[]>`
    select idempotency_key as key, payload ->> 'scheduled_for' as fire from jobs.queue where job_name = 'tick'`;
  const runs = await db.sql<{ schedule_id: string; fire_time: Date; job_id: string | null }[]>`
    select schedule_id, fire_time, job_id from jobs.schedule_runs`;
  expect(runs.length).toBe(jobs.length);
  expect(runs.every((run) => run.job_id !== null)).toBe(true);
  for (const id of ids) {
    const fires = jobs
      .filter((job) => job.key.startsWith(`schedule:${id}:`))
      .map((job) => Date.parse(job.fire))
      .sort((a, b) => a - b);
    // Seven seconds of firing, from two processes and then one: one job per second, no gaps.
    expect(fires.length, id).toBeGreaterThanOrEqual(5);
    expect(new Set(fires).size, id).toBe(fires.length);
    for (let n = 1; n < fires.length; n++) expect(fires[n]! - fires[n - 1]!, id).toBe(1000);
  }
  // Every job was fired by one of the two (the row lock sends each process to the schedules the
  // other is not firing). Which one wins a tick is timing: on a loaded machine one often takes all.
  const firedBy = [first!, second!].map(
    (proc) => (proc.output().match(/scheduled run of tick/g) ?? []).length,
  );
  expect(firedBy[0]! + firedBy[1]!).toBe(jobs.length);
}, 90_000);
