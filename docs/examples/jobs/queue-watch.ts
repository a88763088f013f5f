// Every five minutes: warns when jobs pile up. The annotations are // comments because, inside a
// /** */ block, the "*/" of "*/5" would end the comment.
// @fluxbase:schedule */5 * * * *
// @fluxbase:description Warns when more than 100 jobs are waiting
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  fluxbaseService: FluxbaseClient,
  _job: JobUtils,
) {
  const { data: stats, error } = await fluxbaseService.admin.jobs.getStats();
  if (error) throw new Error(error.message);
  if (stats.pending > 100) console.warn(`${stats.pending} jobs are waiting`);
  return { pending: stats.pending };
}
