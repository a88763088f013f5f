/**
 * Deletes finished jobs older than an age, in batches of `batchSize` (each its own statement, so
 * no long transaction and no lock held across batches); their logs go by cascade. Returns how
 * many were deleted. Runs as whoever `sql` acts as: the sweeper as the service role, the admin
 * route as the admin.
 */
import type { Sql, Tx } from "../db/createSql.ts";

export type FinishedStatus = "completed" | "failed" | "cancelled";

export interface PurgeFilter {
  statuses: FinishedStatus[];
  /** Only jobs that finished at least this long ago. */
  olderThanMs: number;
  jobName?: string;
  namespace?: string;
}

export async function purgeBatch(tx: Tx | Sql, filter: PurgeFilter, batchSize: number): Promise<number> {
  const rows = await tx`
    with doomed as (
      select id from jobs.queue
      where status = any(${filter.statuses}::text[])
        and completed_at < now() - make_interval(secs => ${filter.olderThanMs / 1000})
        ${filter.jobName ? tx`and job_name = ${filter.jobName}` : tx``}
        ${filter.namespace ? tx`and namespace = ${filter.namespace}` : tx``}
      order by completed_at
      limit ${batchSize}
      for update skip locked
    )
    delete from jobs.queue q using doomed where q.id = doomed.id`;
  return rows.count;
}

/** The retention sweep's session lock; 7242001 is the migration lock, 7242002 the claim. */
const SWEEP_LOCK = 7242003;

/** Takes the sweep lock on this connection if no other session holds it. */
export async function trySweepLock(conn: Sql): Promise<boolean> {
  const [row] = await conn<{ locked: boolean }[]>`select pg_try_advisory_lock(${SWEEP_LOCK}) as locked`;
  return row?.locked === true;
}

export async function releaseSweepLock(conn: Sql): Promise<void> {
  await conn`select pg_advisory_unlock(${SWEEP_LOCK})`;
}
