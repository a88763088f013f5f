/**
 * The seam between a worker slot and what runs a job. Claim, lease, progress coalescing, logs,
 * retries and the final fenced write are the slot's (startRun.ts); an executor only runs the job
 * and says how it ended. Two exist: the Deno sandbox for files in ./jobs, and in-process trusted
 * handlers.
 */
import type { ClaimedJob } from "../queue/claimJobs.ts";
import type { LogEntry, ProgressValue } from "../queue/runWrites.ts";

/** How a run is being stopped from outside, if it is. */
export type StopReason = "cancel" | "terminate" | "shutdown" | "lease_lost";

export interface RunIO {
  progress(value: ProgressValue): void;
  log(level: LogEntry["level"], message: string): void;
  /** Runs a database call of the run, retried across an outage until it lands (see untilLanded). */
  landed<T>(what: string, call: () => Promise<T>): Promise<T>;
}

export type RunOutcome =
  | { status: "completed"; result: unknown }
  | {
      status: "failed";
      message: string;
      /** Set when the stack is already in the logs. */
      stack?: string;
      /** False: fail for good whatever attempts remain (e.g. the code is missing). @default true */
      retryable?: boolean;
    };

export interface ExecutorRun {
  outcome: Promise<RunOutcome>;
  /** Asks the run to stop; the outcome then settles (at the latest after the cancel grace). */
  stop(reason: StopReason): void;
}

export interface Executor {
  start(job: ClaimedJob, io: RunIO): ExecutorRun;
}
