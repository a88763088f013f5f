/** The `ctx` a trusted handler receives for one run. */
import type { AiService } from "../ai/aiService.ts";
import type { Ai, AiCaller } from "../ai/types.ts";
import { resolveRole } from "../auth/roles.ts";
import type { Sql, Tx } from "../db/createSql.ts";
import { withClaims } from "../db/withClaims.ts";
import type { ClaimedJob } from "../queue/claimJobs.ts";
import type { ToggleStore } from "../toggles/toggleStore.ts";
import type { RunIO } from "../worker/executor.ts";
import type { HandlerContext, HandlerEvents, HandlerJobs, HandlerLog } from "./types.ts";

export interface HandlerContextInput {
  sql: Sql;
  job: ClaimedJob;
  payload: unknown;
  io: RunIO;
  signal: AbortSignal;
  isCancelled: () => boolean;
  enqueue: HandlerJobs["enqueue"];
  emit: HandlerEvents["emit"];
  ai: AiService;
  toggles: ToggleStore;
  tenantClaim: string;
}

export function createHandlerContext(input: HandlerContextInput): HandlerContext {
  const { job, io } = input;
  const user = job.created_by
    ? { id: job.created_by, email: job.user_email, role: job.user_role ?? "authenticated" }
    : null;
  // The submitter's tenant, else the user: the same answer their own requests get.
  const tenant = job.tenant ?? job.created_by;
  const tenantClaims = job.tenant ? { [input.tenantClaim]: job.tenant } : {};
  const line =
    (level: "debug" | "info" | "warn" | "error") => (message: string, fields?: Record<string, unknown>) =>
      io.log(level, fields && Object.keys(fields).length > 0 ? `${message} ${safeJson(fields)}` : message);
  const log: HandlerLog = {
    debug: line("debug"),
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
  };
  return {
    sql: input.sql,
    sqlAsUser<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
      // The submitter's identity as a token would carry it; a job with no user runs as anon.
      const role = resolveRole(user ? (user.role === "service_role" ? "authenticated" : user.role) : "anon");
      const claims = user
        ? { ...tenantClaims, sub: user.id, email: user.email ?? undefined, role: role.claim, job_id: job.id }
        : { ...tenantClaims, role: "anon", job_id: job.id };
      return withClaims(input.sql, { dbRole: role.dbRole, claims }, work);
    },
    progress(percent, message, data) {
      const value = Math.max(0, Math.min(100, Math.round(Number(percent) || 0)));
      io.progress({
        percent: value,
        ...(message === undefined ? {} : { message: String(message) }),
        ...(data === undefined ? {} : { data }),
      });
    },
    log,
    signal: input.signal,
    isCancelled: input.isCancelled,
    job: {
      id: job.id,
      name: job.job_name,
      namespace: job.namespace,
      attempt: job.attempt,
      maxRetries: job.max_retries,
      user,
      payload: input.payload,
    },
    toggles: { isOn: (id) => input.toggles.isOn(id, tenant) },
    jobs: {
      enqueue: (name, payload, options) =>
        input.enqueue(name, payload, { namespace: job.namespace, ...options }),
    },
    events: { emit: input.emit },
    ai: handlerAi(input.ai, { jobId: job.id, userKey: job.created_by ?? "service_role" }, input.signal),
  };
}

/** `ctx.ai`: the same calls as `job.ai`, made in-process for this run (its budget and its user's limit). */
function handlerAi(ai: AiService, caller: AiCaller, signal: AbortSignal): Ai {
  return {
    chat: (request) => ai.chat(caller, request, signal),
    embed: (request) => ai.embed(caller, request, signal),
    listProviders: async () => ai.listProviders(),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return "[unserialisable]";
  }
}
