/**
 * A long import in batches that checks for cancellation between batches and stops cleanly.
 * Records come from the payload (`records`) or are generated (`count`), so it runs anywhere.
 * @fluxbase:timeout 1800
 * @fluxbase:progress-timeout 120
 * @fluxbase:max-retries 1
 * @fluxbase:description Imports records in batches; honours cancellation between batches
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

interface Payload {
  records?: Record<string, unknown>[];
  count?: number;
  batch_size?: number;
  /** Milliseconds each batch takes (stands in for the real write). @default 100 */
  batch_ms?: number;
}

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _service: FluxbaseClient,
  job: JobUtils,
) {
  const { records, count = 1000, batch_size = 100, batch_ms = 100 } = job.getJobPayload<Payload>();
  const data = records ?? Array.from({ length: count }, (_, i) => ({ n: i }));
  job.reportProgress(0, `Importing ${data.length} records`);

  let imported = 0;
  for (let i = 0; i < data.length; i += batch_size) {
    if (await job.isCancelled()) {
      console.warn(`Cancelled after ${imported} records`);
      return { cancelled: true, imported };
    }
    const batch = data.slice(i, i + batch_size);
    // Real work goes here, e.g. `await fluxbase.from("app.imports").insert(batch)`; `job.signal`
    // aborts in-flight fetches when the job is cancelled.
    await new Promise((resolve) => setTimeout(resolve, batch_ms));
    imported += batch.length;
    job.reportProgress(
      Math.floor((imported / data.length) * 100),
      `Imported ${imported}/${data.length} records`,
    );
  }
  return { success: true, imported };
}
