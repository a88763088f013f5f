/**
 * Runs one claimed job with its executor (sandbox or trusted handler) and records its outcome:
 * progress (coalesced), logs, result or error — every write fenced by the run's lease.
 */
import type { JobsConfig } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import { isTransientDbError } from "../db/pgErrors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { ClaimedJob } from "../queue/claimJobs.ts";
import { completeJob, failJob, releaseJob, retryDelay } from "../queue/finishJob.ts";
import { appendLogs, lastLogLine, type ProgressValue, writeProgress } from "../queue/runWrites.ts";
import type { CompletionBatcher } from "./completionBatcher.ts";
import type { Executor, ExecutorRun, RunOutcome, StopReason } from "./executor.ts";
import { LogBuffer } from "./logBuffer.ts";
import { ProgressCoalescer } from "./progressCoalescer.ts";
import { untilLanded } from "./untilLanded.ts";

export type { StopReason } from "./executor.ts";

export interface WorkerContext {
  sql: Sql;
  jobs: JobsConfig;
  logger: Logger;
  /** Files in ./jobs run in the sandbox; trusted handlers in-process (absent: none registered here). */
  executors: { sandboxed: Executor; handler?: Executor };
  /** Results of runs that end together are written in one statement (absent: one each). */
  completions?: CompletionBatcher;
  /** Run durations and retries are reported here when given. */
  metrics?: Metrics;
}

export interface ActiveRun {
  job: ClaimedJob;
  /** Asks the run to stop; see StopReason. */
  stop(reason: StopReason): void;
  /** Settles when the job's code is over and only the run's last writes remain to land. */
  executed: Promise<void>;
  /** True once `executed` settled: the outcome is decided and being written. */
  hasExecuted(): boolean;
  /** Settles when the run's outcome is recorded (or can no longer be). */
  done: Promise<void>;
}

const final: ReadonlySet<StopReason | undefined> = new Set(["terminate", "shutdown", "lease_lost"]);

export function startRun(ctx: WorkerContext, job: ClaimedJob): ActiveRun {
  let run: ExecutorRun | undefined;
  let stopReason: StopReason | undefined;
  const stop = (reason: StopReason) => {
    if (final.has(stopReason)) return;
    stopReason = reason;
    run?.stop(reason);
  };
  let isExecuted = false;
  let resolveExecuted!: () => void;
  const executed = new Promise<void>((resolve) => {
    resolveExecuted = resolve;
  });
  const markExecuted = () => {
    isExecuted = true;
    resolveExecuted();
  };
  const done = execute().finally(markExecuted);
  return { job, stop, executed, hasExecuted: () => isExecuted, done };

  /**
   * Every database call of a run goes through here: kept and retried across an outage until it
   * lands, so a run that finished while the database was away still records its outcome. It stops
   * trying only when the lease is proven lost or the server stops for good.
   */
  function landed<T>(what: string, write: () => Promise<T>): Promise<T> {
    let warned = false;
    return untilLanded(write, {
      giveUp: () => stopReason === "lease_lost" || stopReason === "shutdown",
      onRetry: (error) => {
        if (warned) return;
        warned = true;
        ctx.logger.warn(`could not write ${what}; keeping it and retrying`, {
          job_id: job.id,
          error: String((error as Error)?.message ?? error),
        });
      },
    });
  }

  async function execute(): Promise<void> {
    const startedAt = performance.now();
    const { sql, logger } = ctx;
    const lease = { id: job.id, lease_token: job.lease_token };
    const logs = new LogBuffer(
      () => landed("job logs", () => lastLogLine(sql, job.id)),
      (lines) => landed("job logs", () => appendLogs(sql, lease, job.attempt, lines)),
      (error) => logger.warn("could not write job logs", { job_id: job.id, error: String(error) }),
    );
    const progress = new ProgressCoalescer<ProgressValue>(
      ctx.jobs.progressFlushInterval,
      (value) => landed("job progress", () => writeProgress(sql, lease, value)),
      (error) => logger.warn("could not write job progress", { job_id: job.id, error: String(error) }),
    );
    const executor = job.kind === "handler" ? ctx.executors.handler : ctx.executors.sandboxed;
    let outcome: RunOutcome;
    if (!executor) {
      outcome = {
        status: "failed",
        message: `No trusted handler "${job.job_name}" is registered in this process`,
        retryable: false,
      };
    } else {
      run = executor.start(job, {
        progress: (value) => progress.push(value),
        log: (level, message) => logs.add(level, message),
        landed,
      });
      if (stopReason) run.stop(stopReason);
      outcome = await run.outcome;
    }
    markExecuted();
    await progress.flush();
    await record(outcome, logs);
    const outcomeLabel = stopReason ?? outcome.status;
    const seconds = (performance.now() - startedAt) / 1000;
    ctx.metrics?.runFinished(job.job_name, job.kind, outcomeLabel, seconds);
    logger.debug("run ended", {
      job_id: job.id,
      job_name: job.job_name,
      attempt: job.attempt,
      outcome: outcomeLabel,
      seconds,
    });
  }

  async function record(outcome: RunOutcome, logs: LogBuffer): Promise<void> {
    const { sql, logger } = ctx;
    const lease = { id: job.id, lease_token: job.lease_token };
    if (stopReason === "shutdown") {
      logs.add("warn", "Server shutting down: the run was stopped and the job returned to the queue");
      await logs.flush();
      await landed("job release", () => releaseJob(sql, lease));
      return;
    }
    if (stopReason === "cancel" || stopReason === "terminate" || stopReason === "lease_lost") {
      // The job's row already says cancelled (or belongs to someone else now): nothing to overwrite.
      logs.add(
        "warn",
        stopReason === "terminate"
          ? "Job terminated"
          : stopReason === "cancel"
            ? "Job cancelled"
            : "Lease lost",
      );
      await logs.flush();
      return;
    }
    // Logs are written first: the final write clears the lease that log writes are fenced by.
    if (outcome.status === "completed") {
      await logs.flush();
      let won: boolean;
      try {
        won = await landed("job outcome", () =>
          ctx.completions
            ? ctx.completions.complete(lease, outcome.result)
            : completeJob(sql, lease, outcome.result),
        );
      } catch (error) {
        if (isTransientDbError(error)) throw error;
        // The database refused the result itself (not storable as jsonb): the run fails instead
        // of staying running with no one to finish it.
        const message = `The job's result could not be stored: ${(error as Error).message}`;
        logs.add("error", message);
        await logs.flush();
        await landed("job outcome", () =>
          failJob(sql, lease, message, { retryable: false, retryDelayMs: 0 }),
        );
        return;
      }
      if (!won) logger.info("job finished after it lost its lease; result discarded", { job_id: job.id });
      return;
    }
    // A thrown error's stack is already in the logs (the executor writes it); other failures
    // (timeouts, memory, crashes) get their message as the last log line.
    if (!outcome.stack) logs.add("error", outcome.message);
    const retryable = outcome.retryable !== false;
    const delay = retryDelay(
      job.attempt,
      job.backoff_base_ms ?? ctx.jobs.retryBackoffBase,
      job.backoff_max_ms ?? ctx.jobs.retryBackoffMax,
    );
    if (retryable && job.attempt <= job.max_retries) {
      ctx.metrics?.retryScheduled(job.job_name);
      logs.add("info", `Attempt ${job.attempt} of ${job.max_retries + 1} failed; retrying in ${delay} ms`);
    }
    await logs.flush();
    await landed("job outcome", () =>
      failJob(sql, lease, outcome.message, { retryable, retryDelayMs: delay }),
    );
  }
}
