/**
 * Waits for something slow, and returns what it has when `job.signal` says the time is nearly up.
 * With `{ "ignore_signal": true }` it keeps waiting and is killed at the timeout instead.
 * @fluxbase:description Stops cleanly before its timeout
 * @fluxbase:timeout 3
 * @fluxbase:max-retries 0
 */
import type { FluxbaseClient, JobUtils } from "@fluxbase/sdk";

export async function handler(
  _req: Request,
  _fluxbase: FluxbaseClient,
  _fluxbaseService: FluxbaseClient,
  job: JobUtils,
) {
  const { ignore_signal = false } = job.getJobPayload<{ ignore_signal?: boolean }>();
  const started = Date.now();
  const outcome = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve("finished"), 60_000);
    if (ignore_signal) return;
    job.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve((job.signal.reason as DOMException).name); // "TimeoutError" (or "AbortError" on cancel)
    });
  });
  return { outcome, after_ms: Date.now() - started };
}
