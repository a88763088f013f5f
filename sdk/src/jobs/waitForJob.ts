/**
 * `client.jobs.waitFor`: follow one job until it finishes. Realtime only makes it faster; the job read
 * over HTTP stays the source of truth, so a poll runs as a backstop and a realtime update that shows a
 * finished job triggers one more read (which also carries the `result`).
 */
import { FluxbaseError } from "../errors.ts";
import type { FluxbaseChannel } from "../realtime/FluxbaseChannel.ts";
import type { FluxbaseRealtime } from "../realtime/FluxbaseRealtime.ts";
import { type FluxbaseResponse, fail, ok } from "../response.ts";
import { type Job, type JobProgress, TERMINAL_JOB_STATUSES } from "./types.ts";

/** Options of `client.jobs.waitFor`. */
export interface WaitForJobOptions {
  /** Called with each new progress the job reports (repeats are skipped) and the job it came with. */
  onProgress?: (progress: JobProgress, job: Job) => void;
  /** Called with every state of the job seen (each read and each realtime update; an older state that arrives late is skipped), e.g. to see retries. */
  onUpdate?: (job: Job) => void;
  /** Give up after this many milliseconds with a `TIMEOUT` error; `0` waits without limit. @default 300000 */
  timeoutMs?: number;
  /** Milliseconds between reads of the job (the backstop next to realtime). @default 1000 */
  pollIntervalMs?: number;
  /** Listen on realtime (`jobs.queue` updates of this job) for instant progress. @default true */
  realtime?: boolean;
  /** Stop waiting early; the result is then an `ABORTED` error. The job itself keeps running. */
  signal?: AbortSignal;
}

const WAIT_DEFAULTS = {
  timeoutMs: 300_000,
  pollIntervalMs: 1000,
  realtime: true,
} satisfies WaitForJobOptions;

/** @internal What waitFor needs from the client. */
export interface WaitForJobDeps {
  get(id: string): Promise<FluxbaseResponse<Job>>;
  realtime(): FluxbaseRealtime;
}

/** Makes each wait's channel name unique, so two waits never share (and close) one channel. */
let channelCounter = 0;

/** @internal The implementation of `client.jobs.waitFor`. */
export function waitForJob(
  id: string,
  options: WaitForJobOptions,
  deps: WaitForJobDeps,
): Promise<FluxbaseResponse<Job>> {
  const timeoutMs = options.timeoutMs ?? WAIT_DEFAULTS.timeoutMs;
  const pollIntervalMs = Math.max(50, options.pollIntervalMs ?? WAIT_DEFAULTS.pollIntervalMs);
  const { signal, onProgress } = options;

  return new Promise((resolve) => {
    let done = false;
    let last: Job | null = null;
    let lastProgress = "";
    let lastAt: number | null = null;
    let pollTimer: ReturnType<typeof setTimeout> | undefined;
    let timeoutTimer: ReturnType<typeof setTimeout> | undefined;
    let channel: FluxbaseChannel | null = null;
    let reading = false;
    let readAgain = false;

    const finish = (result: FluxbaseResponse<Job>) => {
      if (done) return;
      done = true;
      clearTimeout(pollTimer);
      clearTimeout(timeoutTimer);
      signal?.removeEventListener("abort", onAbort);
      channel?.unsubscribe().catch(() => {});
      resolve(result);
    };

    const see = (job: Job) => {
      // A read sent before a realtime update can answer after it; its older state must not undo what
      // was seen (or the same progress would be reported again once a fresh read shows it).
      const at = timestampMicros(job.updated_at);
      if (at !== null && lastAt !== null && at < lastAt) return;
      if (at !== null) lastAt = at;
      last = job;
      try {
        options.onUpdate?.(job);
      } catch (error) {
        console.error("[fluxbase] waitFor onUpdate threw:", error);
      }
      const progress = job.progress ? progressKey(job.progress) : "";
      if (job.progress && progress !== lastProgress && onProgress) {
        try {
          onProgress(job.progress, job);
        } catch (error) {
          console.error("[fluxbase] waitFor onProgress threw:", error);
        }
      }
      lastProgress = progress;
    };

    const read = async (): Promise<void> => {
      if (done) return;
      if (reading) {
        readAgain = true;
        return;
      }
      reading = true;
      clearTimeout(pollTimer);
      const response = await deps.get(id);
      reading = false;
      if (done) return;
      if (response.error) {
        if (isPermanent(response.error)) return finish(response);
      } else {
        see(response.data);
        if (TERMINAL_JOB_STATUSES.includes(response.data.status)) return finish(ok(response.data));
      }
      if (readAgain) {
        readAgain = false;
        return read();
      }
      pollTimer = setTimeout(read, pollIntervalMs);
    };

    function onAbort() {
      finish(fail(new FluxbaseError(`Stopped waiting for job ${id}: the signal was aborted`, "ABORTED", 0)));
    }

    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs > 0) {
      timeoutTimer = setTimeout(() => finish(fail(timeoutError(id, timeoutMs, last))), timeoutMs);
    }
    if (options.realtime ?? WAIT_DEFAULTS.realtime) {
      channel = listen(
        id,
        deps,
        (job) => {
          if (done) return;
          see(job);
          if (TERMINAL_JOB_STATUSES.includes(job.status)) void read();
        },
        () => void read(),
      );
    }
    void read();
  });
}

/** Subscribes to updates of one job; `onJoined` runs once subscribed (to close the gap before it). */
function listen(
  id: string,
  deps: WaitForJobDeps,
  onJob: (job: Job) => void,
  onJoined: () => void,
): FluxbaseChannel | null {
  try {
    const channel = deps.realtime().channel(`jobs:wait:${id}:${++channelCounter}`);
    const filter = { event: "UPDATE", schema: "jobs", table: "queue", filter: `id=eq.${id}` } as const;
    channel.on<Job>("postgres_changes", filter, (payload) => {
      if (payload.new?.id === id && typeof payload.new.status === "string") onJob(payload.new);
    });
    channel.subscribe((status) => {
      if (status === "SUBSCRIBED") onJoined();
      // On CHANNEL_ERROR / TIMED_OUT realtime-js keeps re-joining; polling carries on meanwhile.
    });
    return channel;
  } catch {
    return null; // Realtime is an accelerator; polling alone still finishes the wait.
  }
}

/** Progress compared by value: the same progress read over HTTP and pushed by realtime is one report. */
function progressKey(progress: JobProgress): string {
  return JSON.stringify([progress.percent, progress.message ?? null, progress.data ?? null]);
}

/** Microseconds since the epoch: updates of one job can be less than a millisecond apart. */
function timestampMicros(value: string | undefined): number | null {
  const parts = typeof value === "string" ? /^([^.]+?)(?:\.(\d+))?([zZ]|[+-][\d:]+)?$/.exec(value) : null;
  if (!parts) return null;
  const seconds = Date.parse(`${parts[1]}${parts[3] ?? ""}`);
  if (Number.isNaN(seconds)) return null;
  return seconds * 1000 + Number((parts[2] ?? "").padEnd(6, "0").slice(0, 6));
}

function timeoutError(id: string, timeoutMs: number, last: Job | null): FluxbaseError {
  const seen = last ? `; it was last ${last.status}` : "";
  const context = { job_id: id, last_status: last?.status ?? null, last_job: last };
  return new FluxbaseError(`Job ${id} did not finish within ${timeoutMs} ms${seen}`, "TIMEOUT", 0, context);
}

/** 4xx answers will not change by asking again; network errors, 408, 429 and 5xx might. */
function isPermanent(error: FluxbaseError): boolean {
  return error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
}
