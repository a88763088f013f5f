/**
 * Runs trusted handlers in this process. A handler cannot be killed: cancel, terminate, shutdown
 * and its timeout abort `ctx.signal`, and the slot is given back once the handler returns or, at
 * the latest, after the cancel grace — a handler still running then is reported in the job's log
 * and keeps running in the background, unobserved.
 */

import type { AiService } from "../ai/aiService.ts";
import type { JobsConfig } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import type { Logger } from "../log.ts";
import type { ClaimedJob } from "../queue/claimJobs.ts";
import type { ToggleStore } from "../toggles/toggleStore.ts";
import type { Executor, ExecutorRun, RunIO, RunOutcome, StopReason } from "../worker/executor.ts";
import { createEmit } from "./emitFromCode.ts";
import { createHandlerContext } from "./handlerContext.ts";
import type { HandlerRegistry } from "./handlerRegistry.ts";
import type { HandlerEvents, HandlerJobs } from "./types.ts";

export interface HandlerExecutorContext {
  /** The pool handlers get as `ctx.sql` (service role). */
  sql: Sql;
  registry: HandlerRegistry;
  jobs: Pick<JobsConfig, "cancelGrace">;
  logger: Logger;
  enqueue: HandlerJobs["enqueue"];
  /** This process's toggles; `ctx.toggles` reads them for the job's tenant. */
  toggles: ToggleStore;
  /** The claim the job's tenant travels in (FLUXBASE_TENANT_CLAIM), for `ctx.sqlAsUser`. */
  tenantClaim: string;
  /** Provider calls for `ctx.ai` (the service itself answers AI_NOT_CONFIGURED without providers). */
  ai: AiService;
}

const ignoredSignal =
  "The handler did not return after its signal was aborted; it keeps running in the background. " +
  "Trusted handlers cannot be killed: check ctx.signal, or use a sandboxed function for code that must be stoppable.";

export function createHandlerExecutor(ctx: HandlerExecutorContext): Executor {
  const emit = createEmit(ctx.sql, ctx.registry);
  return { start: (job, io) => startHandlerRun(ctx, emit, job, io) };
}

function startHandlerRun(
  ctx: HandlerExecutorContext,
  emit: HandlerEvents["emit"],
  job: ClaimedJob,
  io: RunIO,
): ExecutorRun {
  const controller = new AbortController();
  let cancelled = false;
  let settle!: (outcome: RunOutcome) => void;
  const outcome = new Promise<RunOutcome>((resolve) => {
    settle = resolve;
  });
  let graceTimer: NodeJS.Timeout | undefined;
  let returned = false;

  /** Aborts the signal and gives the handler the grace to return before `fallback` is the outcome. */
  const abort = (reason: Error, fallback: RunOutcome) => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    graceTimer = setTimeout(() => {
      if (returned) return;
      io.log("warn", ignoredSignal);
      ctx.logger.warn("trusted handler ignored its abort signal", { job_id: job.id, job: job.job_name });
      settle(fallback);
    }, ctx.jobs.cancelGrace);
    graceTimer.unref();
  };

  const timeoutMessage = `Job exceeded its timeout of ${job.timeout_seconds} seconds`;
  const timeoutTimer = setTimeout(
    () => abort(named("TimeoutError", timeoutMessage), { status: "failed", message: timeoutMessage }),
    job.timeout_seconds * 1000,
  );
  timeoutTimer.unref();

  void run().then(
    (result) => {
      returned = true;
      settle(
        controller.signal.aborted && isTimeout(controller.signal.reason)
          ? { status: "failed", message: timeoutMessage }
          : result,
      );
    },
    () => {},
  );
  void outcome.finally(() => {
    clearTimeout(timeoutTimer);
    clearTimeout(graceTimer);
  });

  return {
    outcome,
    stop(reason: StopReason) {
      if (reason === "cancel" || reason === "terminate") cancelled = true;
      abort(named("AbortError", stopMessage(reason)), { status: "failed", message: stopMessage(reason) });
    },
  };

  async function run(): Promise<RunOutcome> {
    const def = ctx.registry.get(job.namespace, job.job_name);
    if (!def) {
      return {
        status: "failed",
        message: `No trusted handler "${job.job_name}" is registered in this process`,
        retryable: false,
      };
    }
    let payload: unknown = job.payload;
    if (def.payload) {
      const parsed = def.payload.safeParse(job.payload);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        return {
          status: "failed",
          message: `The stored payload does not match the handler's schema: ${first?.path.join(".") || "payload"}: ${first?.message}`,
          retryable: false,
        };
      }
      payload = parsed.data;
    }
    const handlerCtx = createHandlerContext({
      sql: ctx.sql,
      job,
      payload,
      io,
      signal: controller.signal,
      isCancelled: () => cancelled,
      enqueue: ctx.enqueue,
      emit,
      ai: ctx.ai,
      toggles: ctx.toggles,
      tenantClaim: ctx.tenantClaim,
    });
    try {
      const result = await def.handler(handlerCtx, payload);
      return { status: "completed", result: asJson(result) };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      io.log("error", err.stack ?? `${err.name}: ${err.message}`);
      return { status: "failed", message: err.message || err.name, stack: err.stack ?? err.message };
    }
  }
}

/** The result as jobs.queue stores it (JSON); what JSON cannot carry becomes a thrown error. */
function asJson(result: unknown): unknown {
  if (result === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(result);
  } catch (error) {
    throw new Error(`The handler's result cannot be stored as JSON: ${(error as Error).message}`);
  }
  return text === undefined ? null : JSON.parse(text);
}

function stopMessage(reason: StopReason): string {
  switch (reason) {
    case "cancel":
      return "Job was cancelled";
    case "terminate":
      return "Job was terminated";
    case "shutdown":
      return "Job was stopped because the server is shutting down";
    case "lease_lost":
      return "Job lost its lease";
  }
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const isTimeout = (reason: unknown) => reason instanceof Error && reason.name === "TimeoutError";
