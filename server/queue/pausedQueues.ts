/**
 * Paused namespaces and functions (jobs.paused_queues, migration 0014): the claim skips them, submits
 * still queue. `job_name` '*' is the whole namespace. Run as the caller: RLS lets admins and the
 * service role.
 */
import type { Tx } from "../db/createSql.ts";

export interface PausedQueue {
  namespace: string;
  /** Null: the whole namespace. */
  job_name: string | null;
  paused_at: string;
}

const WHOLE = "*";

export async function pauseQueue(tx: Tx, namespace: string, jobName: string | null, by: string | null) {
  const [row] = await tx<PausedQueue[]>`
    insert into jobs.paused_queues (namespace, job_name, paused_by)
    values (${namespace}, ${jobName ?? WHOLE}, ${by})
    on conflict (namespace, job_name) do update set paused_at = jobs.paused_queues.paused_at
    returning namespace, nullif(job_name, ${WHOLE}) as job_name, paused_at`;
  return row!;
}

/** True when it was paused. */
export async function resumeQueue(tx: Tx, namespace: string, jobName: string | null): Promise<boolean> {
  const rows = await tx`
    delete from jobs.paused_queues where namespace = ${namespace} and job_name = ${jobName ?? WHOLE}`;
  return rows.count > 0;
}

export function listPausedQueues(tx: Tx): Promise<PausedQueue[]> {
  return tx<PausedQueue[]>`
    select namespace, nullif(job_name, ${WHOLE}) as job_name, paused_at from jobs.paused_queues
    order by namespace, job_name`;
}
