/**
 * The `job` argument a job function receives (the SDK's `JobUtils`): progress reporting, its context
 * and payload, and cooperative cancellation (a flag readable even from a loop that never yields, plus
 * an AbortSignal that also fires shortly before the run's timeout).
 */
import type { JobUtils } from "@fluxbase/sdk";
import { type GuestJobContext, MAX_PROGRESS_DATA_BYTES, MAX_PROGRESS_MESSAGE } from "../protocol.ts";
import type { JobMessage } from "./messages.ts";
import { callServer, type ServerLink } from "./serverCall.ts";

export interface JobUtilsControl {
  job: JobUtils;
  /** Called when the cancel request arrives on stdin (relayed by the supervisor in Worker mode). */
  cancelled(): void;
}

/**
 * `cancelRequested` answers synchronously whether the host asked to cancel: a shared flag in Worker
 * mode, a marker file in main-isolate mode (see inline.ts).
 */
export function createJobUtils(
  context: GuestJobContext,
  cancelRequested: () => boolean,
  deadline: number,
  post: (message: JobMessage) => void,
  server: ServerLink,
): JobUtilsControl {
  // The host kills the process at the deadline; the signal gives the job a moment to stop on its own
  // first (up to 1 s, less for short runs). isCancelled() stays false: a timeout is not a cancel.
  const startedAt = Date.now();
  const abortAt = deadline - Math.min(1_000, (deadline - startedAt) / 4);
  let cancelled = false;
  let controller: AbortController | undefined;
  const cancel = (c: AbortController) => c.abort(new DOMException("The job was cancelled", "AbortError"));
  /** Made on first use: most jobs never look at it, and the timer behind it costs ~3 ms of CPU per run. */
  const signal = (): AbortSignal => {
    if (controller) return controller.signal;
    const c = new AbortController();
    controller = c;
    const abortIn = abortAt - Date.now();
    if (cancelled) cancel(c);
    else if (abortIn < 2 ** 31 - 1) {
      setTimeout(
        () => {
          if (!c.signal.aborted) c.abort(new DOMException("The job timed out", "TimeoutError"));
        },
        Math.max(0, abortIn),
      );
    }
    return c.signal;
  };
  const markCancelled = () => {
    cancelled = true;
    if (controller && !controller.signal.aborted) cancel(controller);
  };
  const isCancelled = () => {
    // A job spinning without awaiting never sees the cancel message; its signal aborts here instead.
    if (!cancelled && cancelRequested()) markCancelled();
    return cancelled;
  };

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
    get signal() {
      return signal();
    },
    toggles: Object.freeze({
      async isOn(id: string): Promise<boolean> {
        if (typeof id !== "string" || id === "") {
          throw new TypeError(`job.toggles.isOn: id must be a toggle id, got ${JSON.stringify(id)}`);
        }
        const what = `job.toggles.isOn(${JSON.stringify(id)})`;
        const answer = await callServer<{ on: boolean }>(
          server,
          what,
          "GET",
          `/api/v1/toggles/${encodeURIComponent(id)}`,
        );
        return answer.on === true;
      },
    }),
    ai: Object.freeze({
      chat: (input: Parameters<JobUtils["ai"]["chat"]>[0]) =>
        callServer<Awaited<ReturnType<JobUtils["ai"]["chat"]>>>(
          server,
          "job.ai.chat",
          "POST",
          "/api/v1/ai/chat",
          input,
        ),
      embed: (input: Parameters<JobUtils["ai"]["embed"]>[0]) =>
        callServer<Awaited<ReturnType<JobUtils["ai"]["embed"]>>>(
          server,
          "job.ai.embed",
          "POST",
          "/api/v1/ai/embed",
          input,
        ),
      listProviders: () =>
        callServer<Awaited<ReturnType<JobUtils["ai"]["listProviders"]>>>(
          server,
          "job.ai.listProviders",
          "GET",
          "/api/v1/ai/providers",
        ),
    }),
    events: Object.freeze({
      emit(name: string, payload: Record<string, unknown> = {}) {
        if (typeof name !== "string" || name === "") {
          throw new TypeError(`job.events.emit: name must be an event name, got ${JSON.stringify(name)}`);
        }
        if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
          throw new TypeError("job.events.emit: payload must be an object");
        }
        return callServer<{ event: { id: string; name: string }; jobs: { id: string; job_name: string }[] }>(
          server,
          `job.events.emit(${JSON.stringify(name)})`,
          "POST",
          "/api/v1/events",
          { name, payload },
        );
      },
    }),
  } satisfies JobUtils;
  return { job, cancelled: markCancelled };
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
