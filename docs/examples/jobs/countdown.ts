/**
 * Submits a follow-up job as the same user until `n` reaches 0: a chain of n + 1 jobs.
 * @fluxbase:description Counts down by submitting itself again
 * @fluxbase:timeout 60
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export async function handler(
  _req: Request,
  fluxbase: FluxbaseClient,
  fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const { n } = job.getJobPayload<{ n: number }>();
  if (n <= 0) return { n, next_job_id: null };
  // `fluxbase` acts as the job's user, so the follow-up is theirs too (RLS applies to it).
  // A job that no user submitted (service key, schedule) submits through the service client.
  const client = job.getJobContext().user ? fluxbase : fluxbaseService;
  const { data: next, error } = await client.jobs.submit("countdown", { n: n - 1 });
  if (error) throw new Error(`Could not submit the next step: ${error.message}`);
  return { n, next_job_id: next.id };
}
