/**
 * One link of a chain: processes batch `current_batch` and submits the next batch as a follow-up
 * job, as the same user, until `total_batches` are done.
 * @fluxbase:timeout 120
 * @fluxbase:description Processes one batch, then submits the next one as a follow-up job
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

interface Payload {
  total_batches: number;
  current_batch?: number;
}

export async function handler(
  _req: Request,
  fluxbase: FluxbaseClient,
  service: FluxbaseClient,
  job: JobUtils,
) {
  const { total_batches, current_batch = 0 } = job.getJobPayload<Payload>();
  if (!Number.isInteger(total_batches) || total_batches < 1)
    throw new Error("total_batches must be a positive integer");
  job.reportProgress(0, `Processing batch ${current_batch + 1}/${total_batches}`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  job.reportProgress(100, `Batch ${current_batch + 1} complete`);

  let next: string | null = null;
  if (current_batch + 1 < total_batches) {
    // The user's client submits as the user; a job with no user (a schedule) submits as the service role.
    const client = job.getJobContext().user ? fluxbase : service;
    const { data, error } = await client.jobs.submit("process-batch", {
      total_batches,
      current_batch: current_batch + 1,
    });
    if (error) throw new Error(`Could not submit the next batch: ${error.message}`);
    next = data.id;
  }
  return { batch: current_batch, remaining: total_batches - current_batch - 1, next_job_id: next };
}
