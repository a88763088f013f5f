/**
 * Runs every day at 02:00 UTC. A scheduled run has no user: its payload is
 * `{ "scheduled_for": "<fire time>" }` and it works through the service-role client.
 * @fluxbase:schedule 0 2 * * *
 * @fluxbase:description Logs the job counts every night
 * @fluxbase:timeout 300
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const { scheduled_for = null } = job.getJobPayload<{ scheduled_for?: string }>();
  const { data: stats, error } = await fluxbaseService.admin.jobs.getStats();
  if (error) throw new Error(error.message);
  console.log(`${stats.completed} completed, ${stats.failed} failed, ${stats.pending} pending`);
  return { scheduled_for, completed: stats.completed, failed: stats.failed };
}
