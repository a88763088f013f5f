/**
 * Cancels a pending or running job as the caller. A running job's worker sees the status change
 * (NOTIFY, with polling as backstop) and stops the run; `terminate` asks it to kill at once.
 */
import type { Tx } from "../db/createSql.ts";
import { conflict } from "../errors.ts";
import { findJob, jobNotFound } from "./findJob.ts";
import { type JobRow, jobColumnsWithResult } from "./jobRow.ts";

export type CancelMode = "cancel" | "terminate";

export async function cancelJob(tx: Tx, id: string, mode: CancelMode = "cancel"): Promise<JobRow> {
  const [row] = await tx<JobRow[]>`
    update jobs.queue set status = 'cancelled', cancel_mode = ${mode}
    where id = ${id} and status in ('pending', 'running')
    returning ${tx(jobColumnsWithResult)}`;
  if (row) return row;
  const current = await findJob(tx, id);
  if (!current) throw jobNotFound(id);
  throw conflict(
    "JOB_NOT_CANCELLABLE",
    `Only a pending or running job can be cancelled; this one is ${current.status}`,
    {
      job_id: id,
      status: current.status,
    },
  );
}
