/** A job's attempts in the order they started (jobs.attempts, migration 0015); the job must be visible to the caller. */
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
    select attempt, worker_id, started_at, finished_at, outcome, error_message from jobs.attempts
    where job_id = ${jobId} order by id`;
}
