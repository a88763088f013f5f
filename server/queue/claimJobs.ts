/**
 * Claims due pending jobs for one worker: highest priority first, then the oldest due, never more
 * running jobs per namespace than allowed. Claims from every worker are serialised by a transaction
 * advisory lock (a claim takes a few milliseconds) so the namespace limit holds exactly; a job
 * cancelled meanwhile is skipped because the UPDATE re-checks status. The attempt is counted here.
 */
import type { Tx } from "../db/createSql.ts";

const claimLock = 7_242_002;

export interface ClaimedJob {
  id: string;
  namespace: string;
  function_id: string | null;
  job_name: string;
  payload: unknown;
  attempt: number;
  retry_count: number;
  max_retries: number;
  timeout_seconds: number;
  progress_timeout_seconds: number;
  lease_token: string;
  created_by: string | null;
  user_role: string | null;
  user_email: string | null;
}

export async function claimJobs(
  tx: Tx,
  workerId: string,
  limit: number,
  maxPerNamespace: number,
): Promise<ClaimedJob[]> {
  if (limit <= 0) return [];
  await tx`select pg_advisory_xact_lock(${claimLock})`;
  return tx<ClaimedJob[]>`
    with running as (
      select namespace, count(*)::int as n from jobs.queue where status = 'running' group by namespace
    ), due as (
      select id, namespace, priority, coalesce(scheduled_at, created_at) as due_at
      from jobs.queue
      where status = 'pending' and coalesce(scheduled_at, created_at) <= now()
      order by priority desc, coalesce(scheduled_at, created_at), id
      limit ${limit * 20}
    ), ranked as (
      select due.*, row_number() over (partition by namespace order by priority desc, due_at, id) as rn
      from due
    ), picked as (
      select ranked.id from ranked left join running using (namespace)
      where ranked.rn + coalesce(running.n, 0) <= ${maxPerNamespace}
      order by priority desc, due_at, id
      limit ${limit}
    )
    update jobs.queue q set
      status = 'running', worker_id = ${workerId}, lease_token = gen_random_uuid(),
      attempt = q.attempt + 1, retry_count = q.attempt, started_at = now(), last_progress_at = now(),
      completed_at = null, cancel_requested_at = null, cancel_mode = null
    from picked
    where q.id = picked.id and q.status = 'pending'
    returning q.id, q.namespace, q.function_id, q.job_name, q.payload, q.attempt, q.retry_count, q.max_retries,
      q.timeout_seconds, q.progress_timeout_seconds, q.lease_token, q.created_by, q.user_role, q.user_email`;
}
