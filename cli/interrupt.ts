/**
 * Ctrl-C while `jobs submit --wait` or `jobs logs --follow` watches a job: stop watching, not the job.
 * The command says how to cancel it and exits 130 (128 + SIGINT), as shells expect.
 */
import type { Job } from "../sdk/src/index.ts";
import type { ProgressView } from "./progressView.ts";

export const INTERRUPTED = 130;

/** Runs `watch` until it ends or SIGINT aborts its signal; "interrupted" in the second case. */
export async function untilInterrupted<T>(
  current: () => Job,
  view: ProgressView,
  watch: (signal: AbortSignal) => Promise<T>,
): Promise<T | "interrupted"> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on("SIGINT", onSigint);
  try {
    const result = await watch(controller.signal);
    view.stop();
    if (!controller.signal.aborted) return result;
    const { id, status } = current();
    const state = status === "pending" ? "pending" : "running";
    process.stderr.write(`job ${id} still ${state}; cancel with: fluxbase jobs cancel ${id}\n`);
    return "interrupted";
  } finally {
    process.off("SIGINT", onSigint);
  }
}
