/**
 * The writes that end a run. Each is fenced by the lease token and `status = 'running'`: a worker
 * that lost its job (cancelled, recovered after a missed heartbeat, terminated) changes nothing.
 * Each returns whether it won.
 */
import type { Sql } from "../db/createSql.ts";

export interface Lease {
  id: string;
  lease_token: string;
}

export async function completeJob(sql: Sql, lease: Lease, result: unknown): Promise<boolean> {
  const rows = await sql`
    update jobs.queue set status = 'completed', result = ${sql.json(result as never)}, error_message = null,
      progress = jsonb_build_object('percent', 100) || (coalesce(progress, '{}'::jsonb) - 'percent'),
      last_progress_at = now(), lease_token = null,
      -- The times queue_before_update would set (it is not called when a write sets them, 0032).
      updated_at = greatest(clock_timestamp(), updated_at), completed_at = coalesce(completed_at, now())
    where id = ${lease.id} and lease_token = ${lease.lease_token} and status = 'running'`;
  return rows.count === 1;
}

/**
 * A failed attempt: back to pending after `retryDelayMs` while attempts remain (the attempt was
 * counted at claim), otherwise failed for good with the last error.
 */
export async function failJob(
  sql: Sql,
  lease: Lease,
  message: string,
  options: { retryable: boolean; retryDelayMs: number },
): Promise<"retrying" | "failed" | "lost"> {
  const [row] = await sql<{ status: "pending" | "failed" }[]>`
    update jobs.queue set
      status = case when ${options.retryable} and attempt <= max_retries then 'pending' else 'failed' end,
      scheduled_at = case when ${options.retryable} and attempt <= max_retries
        then now() + make_interval(secs => ${options.retryDelayMs / 1000}) else scheduled_at end,
      -- A job that ends keeps its worker: its row is the record of its last attempt (migration 0033).
      worker_id = case when ${options.retryable} and attempt <= max_retries then null else worker_id end,
      error_message = ${message}, lease_token = null
    where id = ${lease.id} and lease_token = ${lease.lease_token} and status = 'running'
    returning status`;
  if (!row) return "lost";
  return row.status === "pending" ? "retrying" : "failed";
}

/** Shutdown: the run did not fail, so it goes back to pending without spending its attempt. */
export async function releaseJob(sql: Sql, lease: Lease): Promise<boolean> {
  const rows = await sql`
    update jobs.queue set status = 'pending', attempt = greatest(attempt - 1, 0),
      retry_count = greatest(attempt - 2, 0), worker_id = null, lease_token = null, started_at = null
    where id = ${lease.id} and lease_token = ${lease.lease_token} and status = 'running'`;
  return rows.count === 1;
}

/** Exponential backoff with full jitter: a random delay in [base*2^(n-1)/2, base*2^(n-1)], capped. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Many runs' results in one statement (the completion batcher's write): the same fenced update as
 * completeJob for each. Returns the ids whose lease still held, i.e. whose result was recorded.
 */
export async function completeJobs(
  sql: Sql,
  runs: { lease: Lease; result: unknown }[],
): Promise<Set<string>> {
  const rows = await sql<{ id: string }[]>`
    update jobs.queue q set status = 'completed', result = r.result, error_message = null,
      progress = jsonb_build_object('percent', 100) || (coalesce(q.progress, '{}'::jsonb) - 'percent'),
      last_progress_at = now(), lease_token = null,
      updated_at = greatest(clock_timestamp(), q.updated_at), completed_at = coalesce(q.completed_at, now())
    from jsonb_to_recordset(${sql.json(
      runs.map(({ lease, result }) => ({
        id: lease.id,
        token: lease.lease_token,
        result: result ?? null,
      })) as never,
    )}) as r(id uuid, token uuid, result jsonb)
    where q.id = r.id and q.lease_token = r.token and q.status = 'running'
    returning q.id`;
  return new Set(rows.map((row) => row.id));
}
