/**
 * Enqueues one scheduled run of a function. The idempotency key names the function and the fire
 * time, so several processes firing the same tick create one job; a run is skipped while an
 * earlier scheduled run of the function is still pending or running.
 */
import type { Sql } from "../db/createSql.ts";

export async function enqueueScheduledRun(
  sql: Sql,
  functionId: string,
  fireTime: Date,
): Promise<string | undefined> {
  const key = `schedule:${functionId}:${fireTime.toISOString()}`;
  const [row] = await sql<{ id: string }[]>`
    insert into jobs.queue (namespace, function_id, job_name, payload, max_retries, timeout_seconds,
      progress_timeout_seconds, idempotency_key, user_role)
    select f.namespace, f.id, f.name, ${sql.json({ scheduled_for: fireTime.toISOString() })}, f.max_retries,
      f.timeout_seconds, f.progress_timeout_seconds, ${key}, 'service_role'
    from jobs.functions f
    where f.id = ${functionId} and f.enabled and (f.code is not null or f.origin = 'handler')
      and not exists (
        select 1 from jobs.queue q
        where q.function_id = f.id and q.status in ('pending', 'running') and q.idempotency_key like 'schedule:%')
    on conflict ((coalesce(created_by, '00000000-0000-0000-0000-000000000000'::uuid)), idempotency_key)
      where idempotency_key is not null do nothing
    returning id`;
  return row?.id;
}
