/**
 * A job's attempts in the order they started: those it went on after (jobs.attempts), then the one its
 * row holds, running or final (jobs.job_attempts, migration 0033). The job must be visible to the caller.
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
    select attempt, worker_id, started_at, finished_at, outcome, error_message from jobs.job_attempts(${jobId})`;
}
