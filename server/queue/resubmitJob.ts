/** Admin: a new pending job with the same function, payload, owner and tenant as an existing one. */
import type { Tx } from "../db/createSql.ts";
import { getJob } from "./findJob.ts";
import { type JobRow, jobColumnsWithResult } from "./jobRow.ts";
import { activeOverlap, alreadyActive } from "./overlap.ts";

export async function resubmitJob(tx: Tx, id: string): Promise<JobRow> {
  const original = await getJob(tx, id);
  const [row] = await tx<JobRow[]>`
    insert into jobs.queue (namespace, function_id, job_name, payload, priority, max_retries, timeout_seconds,
      progress_timeout_seconds, created_by, user_role, user_email, tenant, trigger)
    select q.namespace, coalesce(f.id, q.function_id), q.job_name, q.payload, q.priority,
      coalesce(f.max_retries, q.max_retries), coalesce(f.timeout_seconds, q.timeout_seconds),
      coalesce(f.progress_timeout_seconds, q.progress_timeout_seconds), q.created_by, q.user_role, q.user_email,
      q.tenant, 'resubmit'
    from jobs.queue q
    left join jobs.functions f on f.namespace = q.namespace and f.name = q.job_name
    where q.id = ${original.id}
    on conflict (namespace, job_name, overlap_key) where overlap_mode = 'reject' and status in ('pending', 'running')
      do nothing
    returning ${tx(jobColumnsWithResult)}`;
  if (row) return row;
  // The function's `overlap: reject` met an active job with the same key.
  const met = original.function_id
    ? await activeOverlap(tx, original.function_id, original.payload, original.created_by, undefined)
    : undefined;
  throw alreadyActive(original.job_name, met?.id);
}
