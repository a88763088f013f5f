/**
 * Runs a claimed job's function file in the Deno sandbox: reads its bundle and permissions, opens
 * the run's secrets, mints the run's tokens, and maps the sandbox's outcome onto the slot's.
 */
import type { Sandbox, SandboxPermissions, SandboxRun } from "../../sandbox/index.ts";
import { buildJobEnv } from "../../sandbox/index.ts";
import type { JobsConfig } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import { RunInputsLoader } from "../functions/runInputs.ts";
import type { Logger } from "../log.ts";
import type { ClaimedJob } from "../queue/claimJobs.ts";
import type { Keyring } from "../secrets/keyring.ts";
import type { Executor, ExecutorRun, RunIO, RunOutcome, StopReason } from "./executor.ts";
import { mintRunTokens } from "./jobTokens.ts";

export interface SandboxExecutorContext {
  sql: Sql;
  sandbox: Sandbox;
  jobs: JobsConfig;
  logger: Logger;
  serverUrl: string;
  jwtSecret: string;
  /** The claim a run's user token carries the job's tenant in (FLUXBASE_TENANT_CLAIM). */
  tenantClaim: string;
  /** host:port pairs a job may never reach (the database). */
  deniedNet: string[];
  processEnv: NodeJS.ProcessEnv;
  /** Opens the secrets a run may read; they reach the sandbox on stdin, never in its environment. */
  keyring: Keyring;
}

export function createSandboxExecutor(ctx: SandboxExecutorContext): Executor {
  const inputs = new RunInputsLoader(ctx.sql, ctx.keyring);
  const env = recentEnv(ctx.processEnv);
  return { start: (job, io) => startSandboxRun({ ...ctx, processEnv: env() }, inputs, job, io) };
}

/**
 * The server's environment, read again at most once a second: walking process.env goes through a
 * native lookup per variable (~0.1 ms), which every run paid. A change reaches runs within a second.
 */
function recentEnv(processEnv: NodeJS.ProcessEnv, maxAgeMs = 1000): () => NodeJS.ProcessEnv {
  let copy: NodeJS.ProcessEnv = {};
  let readAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (performance.now() - readAt > maxAgeMs) {
      copy = { ...processEnv };
      readAt = performance.now();
    }
    return copy;
  };
}

function startSandboxRun(
  ctx: SandboxExecutorContext,
  loader: RunInputsLoader,
  job: ClaimedJob,
  io: RunIO,
): ExecutorRun {
  let sandboxRun: SandboxRun | undefined;
  let stopReason: StopReason | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const apply = (reason: StopReason) => {
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
  const outcome = run().finally(() => clearTimeout(killTimer));
  return {
    outcome,
    stop(reason) {
      stopReason = reason;
      apply(reason);
    },
  };

  async function run(): Promise<RunOutcome> {
    const gone = `Job function "${job.job_name}" no longer exists`;
    const functionId = job.function_id;
    if (!functionId) return { status: "failed", message: gone, retryable: false };
    const inputs = await runInputs(functionId);
    if (!inputs) {
      return {
        status: "failed",
        message: "Could not load the job's function and secrets; the run did not start",
      };
    }
    const { fn, secrets } = inputs;
    if (!fn?.code) {
      const message = fn?.bundle_error ? `Job function failed to bundle: ${fn.bundle_error}` : gone;
      return { status: "failed", message, retryable: false };
    }
    const tokens = await mintRunTokens(ctx.jwtSecret, job, ctx.tenantClaim);
    const permissions: SandboxPermissions = {
      net: fn.permissions.net ?? false,
      env: fn.permissions.env ?? [],
      read: fn.permissions.read ?? [],
      write: fn.permissions.write ?? [],
    };
    const unsafe = await ctx.sandbox.checkGrants(permissions);
    if (unsafe) {
      return {
        status: "failed",
        message: `Refused to run: ${unsafe}. A job must not reach the server's data dir; remove the link or grant another folder`,
        retryable: false,
      };
    }
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
    // One run per event-loop turn: starting its process may block the loop (see startTurns.ts).
    await ctx.sandbox.startTurn();
    sandboxRun = ctx.sandbox.run({
      code: fn.code,
      codeHash: fn.code_hash ?? functionId,
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
      onProgress: (value) => io.progress(value),
      onLog: (line) => io.log(line.level, line.message),
      isolation: fn.isolation,
      poolName: functionId,
    });
    if (stopReason) apply(stopReason);
    return sandboxRun.outcome;
  }

  /**
   * The function's code and settings and the run's secrets (one statement for the runs of a claim);
   * undefined when they could not be read (the job is failed, to be retried).
   */
  async function runInputs(functionId: string) {
    try {
      const inputs = await io.landed("job start", () =>
        loader.load({ functionId, namespace: job.namespace, userId: job.created_by }),
      );
      for (const problem of inputs.problems) {
        ctx.logger.warn("secret could not be decrypted", { job_id: job.id, secret: problem.secretName });
        io.log("warn", `${problem.message}; it is not available to this run`);
      }
      return inputs;
    } catch (error) {
      ctx.logger.warn("could not load a run's function and secrets", {
        job_id: job.id,
        error: String(error),
      });
      return undefined;
    }
  }
}
