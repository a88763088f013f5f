// A job file type-checked with nothing but the package: the handler's types and the `secrets` global.
import type { JobHandler } from "@fluxbase/sdk/job";

export const handler: JobHandler<{ steps: number; key_length: number }> = async (
  _req,
  fluxbase,
  _service,
  job,
) => {
  const { steps } = job.getJobPayload<{ steps: number }>();
  const key: string | undefined = secrets.get("api_key");
  const required: string = secrets.getRequired("api_key");
  job.reportProgress(50, "half", { user: job.getJobContext().user?.id ?? null });
  await fluxbase.jobs.list({ limit: 1 });
  if (job.checkCancellation() || job.signal.aborted) return { steps: 0, key_length: 0 };
  return { steps, key_length: (key ?? required).length };
};
