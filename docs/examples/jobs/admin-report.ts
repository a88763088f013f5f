/**
 * Only admins (and the service role) may submit this; it reads every user's jobs through the
 * service-role client, which bypasses row-level security.
 * @fluxbase:require-role admin
 * @fluxbase:description Counts jobs per status across all users
 * @fluxbase:timeout 60
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  console.log(`Report requested by ${job.getJobContext().user?.email ?? "the service role"}`);
  const { data: stats, error } = await fluxbaseService.admin.jobs.getStats();
  if (error) throw new Error(`Could not read the stats: ${error.code} ${error.message}`);
  return { total: stats.total, completed: stats.completed, failed: stats.failed };
}
