/**
 * Crash recovery, run by every process with a database connection. A running job whose lease has
 * run out (its worker stopped renewing it: dead, frozen, cut off) goes back to pending while its
 * retry budget lasts — the lost attempt stays counted — or ends failed with "Worker lost during
 * execution"; so do the runs of workers known to be dead (`deadWorkerIds`). Worker rows silent for
 * longer than the timeout are removed; they are only a listing, leases decide.
 *
 * Right after the database itself restarts, every lease looks expired although the workers are
 * alive and about to reconnect: a lease then counts from the restart, so each worker gets one full
 * timeout to reconnect, renew and land the writes it kept during the outage.
 */
import type { Sql } from "../db/createSql.ts";

export const workerLostMessage = "Worker lost during execution";

export interface RecoveryResult {
  requeued: number;
  failed: number;
  removedWorkers: number;
}

export async function recoverJobs(
  sql: Sql,
  timeoutMs: number,
  deadWorkerIds: string[] = [],
): Promise<RecoveryResult> {
  const [row] = await sql<RecoveryResult[]>`
    with expired as (
      select id from jobs.queue
      where status = 'running'
        and (greatest(coalesce(lease_expires_at, '-infinity'),
                      pg_postmaster_start_time() + make_interval(secs => ${timeoutMs / 1000})) < now()
             or worker_id = any(${deadWorkerIds}::uuid[]))
      for update skip locked
    ), recovered as (
      update jobs.queue q set
        status = case when q.attempt <= q.max_retries then 'pending' else 'failed' end,
        error_message = ${workerLostMessage}, lease_token = null, lease_expires_at = null,
        -- A job that ends keeps its worker: its row is the record of its last attempt (migration 0033).
        worker_id = case when q.attempt <= q.max_retries then null else q.worker_id end
      from expired
      where q.id = expired.id and q.status = 'running'
      returning q.status
    ), removed as (
      delete from jobs.workers
      where status = 'stopped' or id = any(${deadWorkerIds}::uuid[])
         or greatest(last_heartbeat_at, pg_postmaster_start_time())
            < now() - make_interval(secs => ${timeoutMs / 1000})
      returning 1
    )
    select (select count(*)::int from recovered where status = 'pending') as requeued,
      (select count(*)::int from recovered where status = 'failed') as failed,
      (select count(*)::int from removed) as "removedWorkers"`;
  return row!;
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
