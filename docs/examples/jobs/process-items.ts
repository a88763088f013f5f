/**
 * Works through `items`, reporting progress after each one and stopping early when cancelled.
 * @fluxbase:description Processes items with progress and cancellation
 * @fluxbase:timeout 600
 * @fluxbase:progress-timeout 60
 * @fluxbase:max-retries 2
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

interface Payload {
  items: string[];
  /** Milliseconds of pretend work per item. */
  delay_ms?: number;
}

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const { items, delay_ms = 100 } = job.getJobPayload<Payload>();
  const done: string[] = [];
  for (const [i, item] of items.entries()) {
    if (job.checkCancellation()) {
      console.warn(`Cancelled after ${done.length} of ${items.length} items`);
      return { cancelled: true, processed: done.length };
    }
    // Real work goes here; pass job.signal to fetch() and friends so a cancel interrupts them.
    await pause(delay_ms, job.signal);
    done.push(item.toUpperCase());
    const percent = Math.round(((i + 1) / items.length) * 100);
    job.reportProgress(percent, `Processed ${i + 1}/${items.length}`, { last: item });
  }
  return { processed: done.length, items: done };
}

/** Waits `ms`, or less when the signal aborts (cancel, or the timeout drawing near). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
