/** Puts a failed job back to pending with a fresh retry budget (owner or admin; see jobs.retry_job). */
import type { Tx } from "../db/createSql.ts";
import { isPgError } from "../db/pgErrors.ts";
import { conflict } from "../errors.ts";
import { jobNotFound } from "./findJob.ts";
import { type JobRow, jobColumnsWithResult } from "./jobRow.ts";

export async function retryJob(tx: Tx, id: string): Promise<JobRow> {
  try {
    const [row] = await tx<JobRow[]>`select ${tx(jobColumnsWithResult)} from jobs.retry_job(${id})`;
    if (!row) throw jobNotFound(id);
    return row;
  } catch (error) {
    if (isPgError(error) && error.code === "P0409") {
      throw conflict("JOB_NOT_RETRYABLE", "Only a failed job can be retried", {
        job_id: id,
        status: (error as { detail?: string }).detail,
      });
    }
    throw error;
  }
}
