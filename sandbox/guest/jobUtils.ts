/**
 * The `job` argument a job function receives (the SDK's `JobUtils`): progress reporting, its context
 * and payload, and cooperative cancellation (a flag readable even from a loop that never yields, plus
 * an AbortSignal that also fires shortly before the run's timeout).
 */
import type { JobUtils } from "@fluxbase/sdk";
import { type GuestJobContext, MAX_PROGRESS_DATA_BYTES, MAX_PROGRESS_MESSAGE } from "../protocol.ts";
import type { FromWorker } from "./messages.ts";

export interface JobUtilsControl {
  job: JobUtils;
  /** Called when the main thread relays a cancel request. */
  cancelled(): void;
}

export function createJobUtils(
  context: GuestJobContext,
  cancelFlag: SharedArrayBuffer,
  deadline: number,
  post: (message: FromWorker) => void,
): JobUtilsControl {
  const flag = new Int32Array(cancelFlag);
  const controller = new AbortController();
  const abort = () => controller.abort(new DOMException("The job was cancelled", "AbortError"));
  const isCancelled = () => {
    const cancelled = Atomics.load(flag, 0) === 1;
    // A job spinning without awaiting never sees the cancel message; its signal aborts here instead.
    if (cancelled && !controller.signal.aborted) abort();
    return cancelled;
  };
  // The host kills the process at the deadline; this gives the job a moment to stop on its own
  // first (up to 1 s, less for short runs). isCancelled() stays false: a timeout is not a cancel.
  const now = Date.now();
  const abortIn = deadline - Math.min(1_000, (deadline - now) / 4) - now;
  if (abortIn < 2 ** 31 - 1) {
    setTimeout(
      () => {
        if (!controller.signal.aborted)
          controller.abort(new DOMException("The job timed out", "TimeoutError"));
      },
      Math.max(0, abortIn),
    );
  }

  const job = {
    reportProgress(percent: number, message?: string, data?: unknown) {
      if (typeof percent !== "number" || Number.isNaN(percent)) {
        throw new TypeError(`reportProgress: percent must be a number, got ${typeof percent}`);
      }
      if (message !== undefined && message !== null && typeof message !== "string") {
        throw new TypeError(`reportProgress: message must be a string, got ${typeof message}`);
      }
      post({
        t: "progress",
        percent: Math.min(100, Math.max(0, percent)),
        message: typeof message === "string" ? message.slice(0, MAX_PROGRESS_MESSAGE) : undefined,
        data: data === undefined ? undefined : jsonData(data),
      });
    },
    isCancelled,
    checkCancellation: isCancelled,
    getJobContext: () => context,
    getJobPayload: <T>() => context.payload as T,
    signal: controller.signal,
  } satisfies JobUtils;
  return {
    job,
    cancelled: () => {
      if (!controller.signal.aborted) abort();
    },
  };
}

/** Round-trips `data` through JSON so what the host stores is exactly what JSON can carry. */
function jsonData(data: unknown): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    throw new TypeError(`reportProgress: data is not JSON-serialisable (${(error as Error).message})`);
  }
  if (json === undefined) throw new TypeError("reportProgress: data is not JSON-serialisable");
  if (json.length > MAX_PROGRESS_DATA_BYTES) {
    throw new RangeError(
      `reportProgress: data is ${json.length} characters of JSON, limit ${MAX_PROGRESS_DATA_BYTES}`,
    );
  }
  return JSON.parse(json);
}
