/**
 * The smallest useful job: read the payload, report progress, return a result.
 * @fluxbase:description Says hello
 * @fluxbase:timeout 30
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const { name = "world" } = job.getJobPayload<{ name?: string }>();
  const { user } = job.getJobContext();
  console.log(`Saying hello to ${name}`);
  job.reportProgress(100, "Done");
  return { greeting: `Hello, ${name}!`, submitted_by: user?.email ?? null };
}
