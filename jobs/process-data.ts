/**
 * Processes a user's data items, reporting progress as it goes.
 * @fluxbase:timeout 300
 * @fluxbase:max-retries 2
 * @fluxbase:description Processes user-specific data items
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

interface Payload {
  items: unknown[];
  /** Milliseconds spent on each item (to make progress visible). @default 50 */
  delay_ms?: number;
}

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _service: FluxbaseClient,
  job: JobUtils,
) {
  const context = job.getJobContext();
  const { items = [], delay_ms = 50 } = context.payload as Payload;
  if (!Array.isArray(items)) throw new Error("payload.items must be an array");
  console.log("Running for user:", context.user?.email ?? "(no user)");

  for (let i = 0; i < items.length; i++) {
    if (job.checkCancellation()) return { cancelled: true, processed: i };
    await new Promise((resolve) => setTimeout(resolve, delay_ms));
    const percent = Math.floor(((i + 1) / items.length) * 100);
    job.reportProgress(percent, `Processed ${i + 1}/${items.length}`, {
      processed: i + 1,
      total: items.length,
    });
  }
  return { success: true, processed: items.length };
}
