/**
 * Picks the billing pipeline the submitter's tenant is on. Reading a toggle needs no network
 * permission: the question goes to the server with the run's own token.
 * @fluxbase:description Summarises a month with the tenant's billing pipeline
 * @fluxbase:timeout 30
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk/job";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const v2 = await job.toggles.isOn("new-billing");
  job.reportProgress(50, v2 ? "v2 pipeline" : "v1 pipeline");
  return { pipeline: v2 ? "v2" : "v1", month: job.getJobPayload().month ?? null };
}
