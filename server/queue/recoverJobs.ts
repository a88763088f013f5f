/**
 * Crash recovery. Runs held by a worker that stopped heart-beating (or whose row is gone) go back
 * to pending while their retry budget lasts — the crashed attempt stays counted — or end failed
 * with "Worker lost during execution". The dead workers' rows are then removed.
 */
import type { Sql } from "../db/createSql.ts";

export const workerLostMessage = "Worker lost during execution";

export interface RecoveryResult {
  requeued: number;
  failed: number;
  removedWorkers: number;
}

/** Workers silent for longer than `timeoutMs`, plus any ids named in `deadWorkerIds`. */
export async function recoverJobs(
  sql: Sql,
  timeoutMs: number,
  deadWorkerIds: string[] = [],
): Promise<RecoveryResult> {
  return sql.begin(async (tx) => {
    const dead = await tx<{ id: string }[]>`
      select id from jobs.workers
      where last_heartbeat_at < now() - make_interval(secs => ${timeoutMs / 1000})
         or id = any(${deadWorkerIds}::uuid[])
      for update skip locked`;
    const deadIds = dead.map((row) => row.id);
    const jobs = await tx<{ status: string }[]>`
      update jobs.queue q set
        status = case when q.attempt <= q.max_retries then 'pending' else 'failed' end,
        error_message = ${workerLostMessage}, worker_id = null, lease_token = null
      where q.status = 'running'
        and (q.worker_id = any(${deadIds}::uuid[])
             or q.worker_id is null
             or not exists (select 1 from jobs.workers w where w.id = q.worker_id))
        -- a claim commits the worker row first, so a missing row means the worker is gone
      returning q.status`;
    const removed =
      await tx`delete from jobs.workers where id = any(${deadIds}::uuid[]) or status = 'stopped'`;
    return {
      requeued: jobs.filter((j) => j.status === "pending").length,
      failed: jobs.filter((j) => j.status === "failed").length,
      removedWorkers: removed.count,
    };
  }) as Promise<RecoveryResult>;
}

/** Worker rows of this host whose process no longer exists (a previous run of this server). */
export async function deadLocalWorkers(
  sql: Sql,
  hostname: string,
  isAlive: (pid: number) => boolean,
): Promise<string[]> {
  const rows = await sql<{ id: string; pid: number }[]>`
    select id, pid from jobs.workers where hostname = ${hostname} and status <> 'stopped'`;
  return rows.filter((row) => !isAlive(row.pid)).map((row) => row.id);
}
