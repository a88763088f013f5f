/**
 * The active job a submit met under an overlap policy or a dedupe key (migration 0018): its id and
 * mode only — with `scope: global` it may be another user's, whose payload and result stay hidden.
 */
import type { Tx } from "../db/createSql.ts";
import { conflict } from "../errors.ts";

export interface ActiveOverlap {
  id: string;
  status: "pending" | "running";
  overlap_mode: "reject" | "dedupe";
}

export async function activeOverlap(
  tx: Tx,
  functionId: string,
  payload: unknown,
  createdBy: string | null,
  dedupeKey: string | undefined,
): Promise<ActiveOverlap | undefined> {
  const [row] = await tx<ActiveOverlap[]>`
    select id, status, overlap_mode
    from jobs.active_overlap(${functionId}, ${tx.json(payload as never)}, ${createdBy}::uuid, ${dedupeKey ?? null})`;
  return row;
}

/** 409: the function's `overlap: reject` found a pending or running job with the same key. */
export function alreadyActive(jobName: string, existingRunId: string | undefined) {
  return conflict(
    "JOB_ALREADY_ACTIVE",
    `A job of "${jobName}" with the same key is already pending or running (overlap: reject)`,
    { job_name: jobName, existing_run_id: existingRunId },
  );
}
