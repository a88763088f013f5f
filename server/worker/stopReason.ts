/**
 * Whether a run must stop, and why, from its job's row as read for the lease it was claimed with
 * (the pool's periodic check, a cancellation's notification, a heartbeat that could not renew it).
 */
import type { Lease } from "../queue/finishJob.ts";
import type { RunState } from "../queue/runStates.ts";
import type { StopReason } from "./executor.ts";
import type { ActiveRun } from "./startRun.ts";

/**
 * `run`: the pool's run of that job now, if any. `notRenewed`: a heartbeat just failed to renew the
 * lease, so a row that still looks running is no proof the run holds it.
 */
export function stopReasonFor(
  run: ActiveRun | undefined,
  lease: Lease,
  row: RunState | undefined,
  notRenewed: boolean,
): StopReason | undefined {
  // Over since the lease was read, or a later attempt of the same job: not the run asked about.
  if (!run || run.job.lease_token !== lease.lease_token) return undefined;
  // A run whose code has ended is writing its outcome: that write is what changed its row (it clears
  // the lease), so it is no lost lease; a write that can't land stops on shutdown.
  if (run.hasExecuted()) return undefined;
  if (!row || row.lease_token !== lease.lease_token) return "lease_lost";
  if (row.status === "cancelled") return row.cancel_mode === "terminate" ? "terminate" : "cancel";
  if (row.status !== "running" || notRenewed) return "lease_lost";
  return undefined;
}
