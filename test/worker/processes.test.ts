/** Whole server processes: kill -9 and restart, SIGTERM drain, and two servers sharing one database. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../../server/auth/mintToken.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { alive, descendants } from "../support/processes.ts";
import { testJwtSecret } from "../support/server.ts";
import { type ServerProcess, spawnServer } from "../support/serverProcess.ts";

let db: TestDatabase;
let dataDir: string;
let jobsDir: string;
let serviceKey: string;
const spawned: ServerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-proc-"));
  jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-proc-jobs-"));
  serviceKey = await mintToken(testJwtSecret, { role: "service_role", expiresIn: "1h" });
  const fn = (name: string, code: string, extra = "") =>
    db.sql.unsafe(
      `insert into jobs.functions (name, source, code, code_hash, timeout_seconds, max_retries ${extra ? ", progress_timeout_seconds" : ""})
     values ($1, $2, $2, md5($2), 60, 3 ${extra ? `, ${extra}` : ""})`,
      [name, code],
    );
  await fn(
    "slow",
    `export async function handler(req, fb, svc, job) {
    job.reportProgress(10, "started");
    await new Promise((r) => setTimeout(r, Number(job.getJobPayload().ms ?? 1500)));
    return { attempt_seen: job.getJobContext().retry_count };
  }`,
  );
  await fn(
    "quick",
    `export async function handler(req, fb, svc, job) { console.log("ran", job.getJobContext().job_id); return 1; }`,
  );
});

afterAll(async () => {
  for (const proc of spawned) proc.child.kill("SIGKILL");
  await db.drop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(jobsDir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  FLUXBASE_DATABASE_URL: db.url,
  FLUXBASE_DATA_DIR: dataDir,
  FLUXBASE_JOBS_DIR: jobsDir,
  FLUXBASE_JOBS_EMBEDDED_WORKER_COUNT: "1",
  FLUXBASE_JOBS_WORKER_HEARTBEAT_INTERVAL: "1s",
  FLUXBASE_JOBS_WORKER_TIMEOUT: "3s",
  ...extra,
});

async function start(extra?: Record<string, string>, args?: string[]): Promise<ServerProcess> {
  const proc = await spawnServer(env(extra), args);
  spawned.push(proc);
  return proc;
}

async function submit(url: string, jobName: string, payload: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${url}/api/v1/jobs/submit`, {
    method: "POST",
    headers: { authorization: `Bearer ${serviceKey}`, "content-type": "application/json" },
    body: JSON.stringify({ job_name: jobName, payload }),
  });
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const jobRow = async (id: string) => (await db.sql`select * from jobs.queue where id = ${id}`)[0]!;
describe("server processes", () => {
  it("kill -9 mid-job: no Deno process survives, and a restart completes the job with both attempts counted", async () => {
    const first = await start();
    const id = await submit(first.url, "slow", { ms: 4000 });
    await until(async () => ((await jobRow(id)).progress ? true : undefined));
    const children = descendants(first.child.pid!);
    expect(children.length).toBeGreaterThan(0);
    first.child.kill("SIGKILL");
    await first.exited;
    await until(async () => (children.every((pid) => !alive(pid)) ? true : undefined), 5000);
    expect((await jobRow(id)).status).toBe("running");
    const second = await start();
    const done = await until(async () => {
      const row = await jobRow(id);
      return row.status === "completed" ? row : undefined;
    }, 30_000);
    expect(done).toMatchObject({ attempt: 2, retry_count: 1, result: { attempt_seen: 1 } });
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("SIGTERM lets a running job finish, then exits 0", async () => {
    const proc = await start();
    const id = await submit(proc.url, "slow", { ms: 1000 });
    await until(async () => ((await jobRow(id)).status === "running" ? true : undefined));
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(await jobRow(id)).toMatchObject({ status: "completed", attempt: 1 });
  });

  it("SIGTERM past the drain time returns the job to pending without spending an attempt", async () => {
    const proc = await start({ FLUXBASE_JOBS_SHUTDOWN_TIMEOUT: "300ms" });
    const id = await submit(proc.url, "slow", { ms: 10_000 });
    await until(async () => ((await jobRow(id)).progress ? true : undefined));
    const children = descendants(proc.child.pid!);
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(await jobRow(id)).toMatchObject({ status: "pending", attempt: 0, worker_id: null });
    await until(async () => (children.every((pid) => !alive(pid)) ? true : undefined), 5000);
    const [{ n }] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from jobs.queue where status = 'running'`;
    expect(n).toBe(0);
    await db.sql`update jobs.queue set status = 'cancelled' where id = ${id}`;
  });

  it("--role api serves HTTP but runs no worker-lane workers; a worker process picks the job up", async () => {
    const api = await start({}, ["start", "--role", "api"]);
    const id = await submit(api.url, "quick");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await jobRow(id)).status).toBe("pending");
    const workers =
      await db.sql`select 1 from jobs.workers where pid = ${api.child.pid!} and lane = 'worker' and status <> 'stopped'`;
    expect(workers).toHaveLength(0);
    const worker = await start({}, ["worker"]);
    await until(async () => ((await jobRow(id)).status === "completed" ? true : undefined));
    api.child.kill("SIGTERM");
    worker.child.kill("SIGTERM");
    expect(await api.exited).toBe(0);
    expect(await worker.exited).toBe(0);
  });

  it("two servers on one database share the work and never run a job twice", async () => {
    const a = await start({ FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER: "3" });
    const b = await start({ FLUXBASE_JOBS_MAX_CONCURRENT_PER_WORKER: "3" }, ["worker"]);
    expect(b.url).toBe("");
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) ids.push(await submit(a.url, "quick"));
    await until(async () => {
      const [{ n }] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from jobs.queue where id = any(${ids}::uuid[]) and status = 'completed'`;
      return n === ids.length ? true : undefined;
    }, 60_000);
    const rows = await db.sql<{ attempt: number; worker_id: string | null }[]>`
      select attempt, worker_id from jobs.queue where id = any(${ids}::uuid[])`;
    expect(rows.every((row) => row.attempt === 1)).toBe(true);
    const logs = await db.sql<{ job_id: string; n: number }[]>`
      select job_id, count(*)::int as n from jobs.logs where job_id = any(${ids}::uuid[]) and message like 'ran %' group by job_id`;
    expect(logs).toHaveLength(ids.length);
    expect(logs.every((row) => row.n === 1)).toBe(true);
    a.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });
});
