/**
 * A job's attempts in the order they started: the ended ones from jobs.attempts (migrations 0015,
 * 0017), then the one running now, read from the job's row. The job must be visible to the caller.
 */
import type { Tx } from "../db/createSql.ts";
import { getJob } from "./findJob.ts";

export interface AttemptRow {
  attempt: number;
  worker_id: string | null;
  started_at: Date;
  finished_at: Date | null;
  /** Null while the attempt runs. */
  outcome: "completed" | "failed" | "retry" | "cancelled" | "released" | "recovered" | null;
  error_message: string | null;
}

export async function jobAttempts(tx: Tx, jobId: string): Promise<AttemptRow[]> {
  await getJob(tx, jobId);
  return tx<AttemptRow[]>`
    select attempt, worker_id, started_at, finished_at, outcome, error_message from (
      select attempt, worker_id, started_at, finished_at, outcome, error_message, id as position
      from jobs.attempts where job_id = ${jobId}
      union all
      select attempt, worker_id, started_at, null, null, null, null
      from jobs.queue where id = ${jobId} and status = 'running'
    ) a
    order by position nulls last`;
}
