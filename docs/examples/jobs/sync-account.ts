/**
 * One sync per account at a time: a second submit for the same account while one is pending or
 * running is refused with 409 JOB_ALREADY_ACTIVE (and the id of the active one).
 * @fluxbase:description Syncs one account
 * @fluxbase:overlap reject
 * @fluxbase:overlap-key account_id
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const { account_id } = job.getJobPayload<{ account_id: string }>();
  job.reportProgress(100, `Synced ${account_id}`);
  return { account_id };
}
