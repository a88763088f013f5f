/**
 * What every fault test shares: server processes on one database, a job that leaves a marker file
 * when an execution starts and when it finishes (so executions are counted outside the database),
 * a status history kept by a test-only trigger, and the four invariants the fault battery checks.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { mintToken } from "../../server/auth/mintToken.ts";
import type { Sql } from "../../server/db/createSql.ts";
import { descendants } from "../support/processes.ts";
import { testJwtSecret } from "../support/server.ts";
import { type ServerProcess, spawnServer } from "../support/serverProcess.ts";

/**
 * Sleeps `ms`, or until a file named `gate` appears in `dir` when the payload names one, with a
 * marker file before and after.
 */
export const sleeperCode = `export async function handler(req, fb, svc, job) {
  const { dir, ms, gate } = job.getJobPayload();
  const opened = () => { try { Deno.statSync(dir + "/" + gate); return true; } catch { return false; } };
  const context = job.getJobContext();
  const tag = context.job_id + "." + context.retry_count + "." + crypto.randomUUID();
  Deno.writeTextFileSync(dir + "/" + tag + ".start", String(Date.now()));
  job.reportProgress(1, "started");
  if (gate) while (!opened()) await new Promise((resolve) => setTimeout(resolve, 200));
  else await new Promise((resolve) => setTimeout(resolve, ms));
  Deno.writeTextFileSync(dir + "/" + tag + ".done", String(Date.now()));
  console.log("finished");
  return { slept: ms };
}`;

export interface FaultRig {
  markerDir: string;
  dataDir: string;
  jobsDir: string;
  serviceKey: string;
  processes: ServerProcess[];
  start(env?: Record<string, string>, args?: string[]): Promise<ServerProcess>;
  cleanup(): Promise<void>;
}

/** Keeps every status change of every job in `fault_history` (superuser-only, outside RLS). */
export async function recordHistory(sql: Sql): Promise<void> {
  await sql.unsafe(`
    create table if not exists public.fault_history (
      job_id uuid not null, status text not null, attempt int not null, at timestamptz not null default clock_timestamp());
    create or replace function public.fault_history_record() returns trigger language plpgsql security definer
      set search_path = pg_catalog as $$
    begin
      if tg_op = 'INSERT' or new.status is distinct from old.status then
        insert into public.fault_history (job_id, status, attempt) values (new.id, new.status, new.attempt);
      end if;
      return new;
    end $$;
    drop trigger if exists fault_history on jobs.queue;
    create trigger fault_history after insert or update on jobs.queue
      for each row execute function public.fault_history_record();
    revoke all on public.fault_history from public;`);
}

export async function insertSleeper(sql: Sql, name: string, markerDir: string, namespace = "default") {
  await sql`
    insert into jobs.functions (name, namespace, source, code, code_hash, timeout_seconds, max_retries,
      progress_timeout_seconds, permissions)
    values (${name}, ${namespace}, ${sleeperCode}, ${sleeperCode}, md5(${sleeperCode}), 600, 5, 600,
      ${sql.json({ read: [markerDir], write: [markerDir] })})`;
}

/** Queues `count` sleeper jobs straight into the table (as an admin would), oldest first. */
export async function enqueue(
  sql: Sql,
  name: string,
  count: number,
  payload: Record<string, unknown>,
  namespace = "default",
): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    insert into jobs.queue (namespace, function_id, job_name, payload, max_retries, timeout_seconds,
      progress_timeout_seconds, created_at)
    select f.namespace, f.id, f.name, ${sql.json(payload as never)}, 5, 600, 600,
      clock_timestamp() + make_interval(secs => g / 1000.0)
    from jobs.functions f, generate_series(1, ${count}) g
    where f.name = ${name} and f.namespace = ${namespace}
    order by g
    returning id`;
  return rows.map((row) => row.id);
}

export function createRig(databaseUrl: string, base: Record<string, string> = {}): FaultRig {
  const markerDir = mkdtempSync(path.join(tmpdir(), "fluxbase-markers-"));
  const dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-fault-"));
  const jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-fault-jobs-"));
  const processes: ServerProcess[] = [];
  let serviceKey = "";
  let cleaning = false;
  const rig: FaultRig = {
    markerDir,
    dataDir,
    jobsDir,
    get serviceKey() {
      return serviceKey;
    },
    processes,
    async start(env = {}, args) {
      serviceKey ||= await mintToken(testJwtSecret, { role: "service_role", expiresIn: "1h" });
      const proc = await spawnServer(
        {
          FLUXBASE_DATABASE_URL: databaseUrl,
          FLUXBASE_DATA_DIR: dataDir,
          FLUXBASE_JOBS_DIR: jobsDir,
          FLUXBASE_JOBS_WATCH: "false",
          FLUXBASE_LOG_LEVEL: "warn",
          FLUXBASE_JOBS_POLL_INTERVAL: "250ms",
          FLUXBASE_JOBS_WORKER_HEARTBEAT_INTERVAL: "500ms",
          FLUXBASE_JOBS_WORKER_TIMEOUT: "3s",
          ...base,
          ...env,
        },
        args,
      );
      processes.push(proc);
      // A server that dies on its own is the finding: show why.
      void proc.exited.then((code) => {
        if (!cleaning && !proc.child.killed)
          console.error(`server ${proc.child.pid} exited with ${code}:\n${proc.output().slice(-4000)}`);
      });
      return proc;
    },
    async cleanup() {
      cleaning = true;
      for (const proc of processes) {
        // A test that failed mid-freeze may leave the server's children stopped: wake them all.
        for (const pid of [proc.child.pid!, ...descendants(proc.child.pid!)]) {
          try {
            process.kill(pid, "SIGCONT");
          } catch {}
        }
        try {
          proc.child.kill("SIGKILL");
        } catch {}
      }
      await Promise.all(processes.map((proc) => proc.exited));
      for (const dir of [markerDir, dataDir, jobsDir]) rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

export interface Execution {
  jobId: string;
  /** The attempt it ran as (retry_count + 1). */
  attempt: number;
  startedAt: number;
  finishedAt?: number;
}

/** Every execution the marker files tell of, per job. */
export function executions(markerDir: string): Map<string, Execution[]> {
  const runs = new Map<string, Execution>();
  for (const file of readdirSync(markerDir)) {
    const [jobId, retry, tag, kind] = file.split(".");
    const at = Number(readFileSync(path.join(markerDir, file), "utf8"));
    const run = runs.get(tag!) ?? { jobId: jobId!, attempt: Number(retry) + 1, startedAt: Number.NaN };
    if (kind === "start") run.startedAt = at;
    else run.finishedAt = at;
    runs.set(tag!, run);
  }
  const byJob = new Map<string, Execution[]>();
  for (const run of runs.values()) byJob.set(run.jobId, [...(byJob.get(run.jobId) ?? []), run]);
  return byJob;
}

export async function until<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function statusCounts(sql: Sql, ids: string[]): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    select status, count(*)::int as n from jobs.queue where id = any(${ids}::uuid[]) group by status`;
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/**
 * The four invariants, for jobs that should all have completed: none lost (every one completed, by
 * an execution that did finish), none left running, none executed again once its completion was
 * recorded, nothing completed twice. `strict` also demands exactly one execution per job (no fault
 * took a lease away, so no run was ever repeated).
 */
export async function expectInvariants(
  sql: Sql,
  ids: string[],
  markerDir: string,
  options: { strict?: boolean } = {},
): Promise<void> {
  expect(await statusCounts(sql, ids)).toEqual({ completed: ids.length });
  const [{ running }] = await sql<{ running: number }[]>`
    select count(*)::int as running from jobs.queue where status = 'running'`;
  expect(running).toBe(0);
  const completions = await sql<{ job_id: string; attempt: number; at: Date }[]>`
    select job_id, attempt, at from public.fault_history
    where status = 'completed' and job_id = any(${ids}::uuid[])`;
  const twice = completions.filter((row, i) => completions.findIndex((r) => r.job_id === row.job_id) !== i);
  expect(twice, "jobs completed more than once").toEqual([]);
  const byJob = executions(markerDir);
  const again: string[] = [];
  const unfinished: string[] = [];
  const repeated: string[] = [];
  for (const { job_id: id, attempt, at } of completions) {
    const runs = byJob.get(id) ?? [];
    if (!runs.some((run) => run.attempt === attempt && run.finishedAt !== undefined)) unfinished.push(id);
    if (runs.some((run) => run.startedAt > at.getTime())) again.push(id);
    if (runs.length !== 1) repeated.push(id);
  }
  expect(unfinished, "completed by an execution that never finished").toEqual([]);
  expect(again, "executed again after the completion was recorded").toEqual([]);
  if (options.strict) expect(repeated, "jobs executed more than once").toEqual([]);
}
