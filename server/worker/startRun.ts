/**
 * Runs one claimed job in the sandbox and records its outcome: progress (coalesced), logs,
 * result or error — every write fenced by the run's lease.
 */
import type { Sandbox, SandboxOutcome, SandboxPermissions, SandboxRun } from "../../sandbox/index.ts";
import { buildJobEnv } from "../../sandbox/index.ts";
import type { JobsConfig } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import { isTransientDbError } from "../db/pgErrors.ts";
import { functionCode } from "../functions/functionCode.ts";
import type { Logger } from "../log.ts";
import type { ClaimedJob } from "../queue/claimJobs.ts";
import { completeJob, failJob, releaseJob, retryDelay } from "../queue/finishJob.ts";
import { appendLogs, lastLogLine, type ProgressValue, writeProgress } from "../queue/runWrites.ts";
import type { Keyring } from "../secrets/keyring.ts";
import { loadRunSecrets, type RunSecrets } from "../secrets/loadRunSecrets.ts";
import { mintRunTokens } from "./jobTokens.ts";
import { LogBuffer } from "./logBuffer.ts";
import { ProgressCoalescer } from "./progressCoalescer.ts";
import { untilLanded } from "./untilLanded.ts";

export interface WorkerContext {
  sql: Sql;
  sandbox: Sandbox;
  jobs: JobsConfig;
  logger: Logger;
  serverUrl: string;
  jwtSecret: string;
  /** host:port pairs a job may never reach (the database). */
  deniedNet: string[];
  processEnv: NodeJS.ProcessEnv;
  /** Opens the secrets a run may read; they reach the sandbox on stdin, never in its environment. */
  keyring: Keyring;
}

/** How a run is being stopped from outside, if it is. */
export type StopReason = "cancel" | "terminate" | "shutdown" | "lease_lost";

export interface ActiveRun {
  job: ClaimedJob;
  /** Asks the run to stop; see StopReason. */
  stop(reason: StopReason): void;
  done: Promise<void>;
}

export function startRun(ctx: WorkerContext, job: ClaimedJob): ActiveRun {
  let sandboxRun: SandboxRun | undefined;
  let stopReason: StopReason | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (reason: StopReason) => {
    if (stopReason === "terminate" || stopReason === "shutdown" || stopReason === "lease_lost") return;
    stopReason = reason;
    if (!sandboxRun) return;
    if (reason === "cancel") {
      sandboxRun.requestCancel();
      killTimer ??= setTimeout(() => sandboxRun?.kill("cancelled"), ctx.jobs.cancelGrace);
    } else {
      sandboxRun.kill(
        reason === "terminate" ? "terminated" : reason === "shutdown" ? "shutdown" : "cancelled",
      );
    }
  };
  const done = execute().finally(() => clearTimeout(killTimer));
  return { job, stop, done };

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
    const { sql, logger } = ctx;
    const lease = { id: job.id, lease_token: job.lease_token };
    const logs = new LogBuffer(
      (await landed("job logs", () => lastLogLine(sql, job.id))) + 1,
      (lines) => landed("job logs", () => appendLogs(sql, lease, job.attempt, lines)),
      (error) => logger.warn("could not write job logs", { job_id: job.id, error: String(error) }),
    );
    const progress = new ProgressCoalescer<ProgressValue>(
      ctx.jobs.progressFlushInterval,
      (value) => landed("job progress", () => writeProgress(sql, lease, value)),
      (error) => logger.warn("could not write job progress", { job_id: job.id, error: String(error) }),
    );
    const functionId = job.function_id;
    const fn = functionId ? await landed("job start", () => functionCode(sql, functionId)) : undefined;
    if (!fn?.code) {
      const message = fn?.bundle_error
        ? `Job function failed to bundle: ${fn.bundle_error}`
        : `Job function "${job.job_name}" no longer exists`;
      logs.add("error", message);
      await logs.flush();
      await landed("job outcome", () => failJob(sql, lease, message, { retryable: false, retryDelayMs: 0 }));
      return;
    }
    const secrets = await runSecrets(logs);
    if (!secrets) return;
    const tokens = await mintRunTokens(ctx.jwtSecret, job);
    const permissions: SandboxPermissions = {
      net: fn.permissions.net ?? false,
      env: fn.permissions.env ?? [],
      read: fn.permissions.read ?? [],
      write: fn.permissions.write ?? [],
    };
    const context = {
      job_id: job.id,
      job_name: job.job_name,
      namespace: job.namespace,
      retry_count: job.retry_count,
      payload: job.payload,
      user: job.created_by
        ? { id: job.created_by, email: job.user_email, role: job.user_role ?? "authenticated" }
        : null,
    };
    sandboxRun = ctx.sandbox.run({
      code: fn.code,
      codeHash: fn.code_hash ?? job.function_id!,
      permissions,
      serverUrl: ctx.serverUrl,
      deniedNet: ctx.deniedNet,
      env: buildJobEnv(
        ctx.processEnv,
        {
          serverUrl: ctx.serverUrl,
          jobId: job.id,
          jobName: job.job_name,
          namespace: job.namespace,
          cancelled: false,
        },
        permissions.env,
      ),
      memoryMb: fn.memory_mb,
      timeoutMs: job.timeout_seconds * 1000,
      progressTimeoutMs: job.progress_timeout_seconds * 1000,
      input: {
        payload: job.payload,
        context,
        userToken: tokens.userToken,
        serviceToken: tokens.serviceToken,
        secrets,
      },
      onProgress: (value) => progress.push(value),
      onLog: (line) => logs.add(line.level, line.message),
    });
    if (stopReason) stop(stopReason);
    const outcome: SandboxOutcome = await sandboxRun.outcome;
    await progress.flush();
    await record(outcome, logs);
  }

  /** The run's secrets; undefined when they could not be read (the job is failed, to be retried). */
  async function runSecrets(logs: LogBuffer): Promise<RunSecrets | undefined> {
    const lease = { id: job.id, lease_token: job.lease_token };
    try {
      const { secrets, problems } = await landed("job start", () =>
        loadRunSecrets(ctx.sql, ctx.keyring, { namespace: job.namespace, userId: job.created_by }),
      );
      for (const problem of problems) {
        ctx.logger.warn("secret could not be decrypted", { job_id: job.id, secret: problem.secretName });
        logs.add("warn", `${problem.message}; it is not available to this run`);
      }
      return secrets;
    } catch (error) {
      ctx.logger.warn("could not load job secrets", { job_id: job.id, error: String(error) });
      const delay = retryDelay(job.attempt, ctx.jobs.retryBackoffBase, ctx.jobs.retryBackoffMax);
      logs.add("error", "Could not load the job's secrets; the run did not start");
      await logs.flush();
      await landed("job outcome", () =>
        failJob(ctx.sql, lease, "Could not load the job's secrets", { retryable: true, retryDelayMs: delay }),
      );
      return undefined;
    }
  }

  async function record(outcome: SandboxOutcome, logs: LogBuffer): Promise<void> {
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
        won = await landed("job outcome", () => completeJob(sql, lease, outcome.result));
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
    // A thrown error's stack is already in the logs (the sandbox writes it); other failures
    // (timeouts, memory, crashes) get their message as the last log line.
    if (!outcome.stack) logs.add("error", outcome.message);
    const delay = retryDelay(job.attempt, ctx.jobs.retryBackoffBase, ctx.jobs.retryBackoffMax);
    if (job.attempt <= job.max_retries) {
      logs.add("info", `Attempt ${job.attempt} of ${job.max_retries + 1} failed; retrying in ${delay} ms`);
    }
    await logs.flush();
    await landed("job outcome", () =>
      failJob(sql, lease, outcome.message, { retryable: true, retryDelayMs: delay }),
    );
  }
}
