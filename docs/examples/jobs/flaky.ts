/**
 * Fails its first `fail_times` attempts on purpose, then succeeds: retries with backoff at work.
 * @fluxbase:description Fails a few times, then succeeds
 * @fluxbase:max-retries 3
 * @fluxbase:timeout 30
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const { fail_times = 1 } = job.getJobPayload<{ fail_times?: number }>();
  const { retry_count } = job.getJobContext(); // 0 on the first attempt
  if (retry_count < fail_times) {
    throw new Error(`Attempt ${retry_count + 1} failed on purpose`);
  }
  return { succeeded_on_attempt: retry_count + 1 };
}
