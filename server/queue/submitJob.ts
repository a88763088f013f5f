/**
 * Inserts a job as the caller. The function must exist, be enabled and accept the caller's role;
 * limits are copied from the function; RLS makes sure a user can only submit as themselves.
 */
import { type Identity, isService } from "../auth/identity.ts";
import { satisfiesRoles } from "../auth/roles.ts";
import type { Tx } from "../db/createSql.ts";
import { badRequest, conflict, forbidden, notFound } from "../errors.ts";
import { type JobRow, jobColumnsWithResult } from "./jobRow.ts";
import { activeOverlap, alreadyActive } from "./overlap.ts";

export interface SubmitJobInput {
  job_name: string;
  namespace: string;
  payload: Record<string, unknown>;
  priority: number;
  /** ISO timestamp, or undefined to run as soon as possible. */
  scheduled_at?: string;
  delay_seconds?: number;
  /** Seconds; the same as delay_seconds. */
  delay?: number;
  /** At most the function's max_retries. */
  max_retries?: number;
  /** Seconds, at most the function's timeout. */
  timeout?: number;
  backoff?: { base_ms: number; max_ms: number };
  idempotency_key?: string;
  /** See submitOptions: the key compared with pending jobs (and, on `overlap: reject`, active ones). */
  dedupe_key?: string;
  dedupe?: "keep" | "replace";
  /** Mail the submitter when the job ends; callers check it can be sent first (assertCanNotify). */
  notify?: boolean;
  /**
   * Set by an event's emit (never from a request): the job's event, and that the emitter's right to
   * start it was already decided by the function's on-role.
   */
  event?: { id: string };
  /** `tenant`: the user's tenant for feature toggles (default: the user id). */
  on_behalf_of?: { user_id: string; user_email?: string; user_role?: string; tenant?: string };
}

interface FunctionLimits {
  id: string;
  enabled: boolean;
  require_roles: string[];
  max_retries: number;
  timeout_seconds: number;
  progress_timeout_seconds: number;
}

export interface SubmitJobResult {
  job: JobRow;
  /** False when an idempotency or dedupe key returned an earlier job. */
  created: boolean;
}

export async function submitJob(tx: Tx, identity: Identity, input: SubmitJobInput): Promise<SubmitJobResult> {
  const [fn] = await tx<FunctionLimits[]>`
    select id, enabled, require_roles, max_retries, timeout_seconds, progress_timeout_seconds
    from jobs.functions where namespace = ${input.namespace} and name = ${input.job_name}`;
  if (!fn) {
    throw notFound(
      "FUNCTION_NOT_FOUND",
      `No job function "${input.job_name}" in namespace "${input.namespace}"`,
      {
        job_name: input.job_name,
        namespace: input.namespace,
      },
    );
  }
  if (!fn.enabled) {
    throw forbidden("FUNCTION_DISABLED", `The job function "${input.job_name}" is disabled`, {
      job_name: input.job_name,
    });
  }
  if (!input.event && !satisfiesRoles(identity.role, fn.require_roles)) {
    throw forbidden("ROLE_REQUIRED", `The job function "${input.job_name}" requires one of these roles`, {
      required_roles: fn.require_roles,
      role: identity.role.claim,
    });
  }
  const owner = resolveOwner(identity, input);
  const limits = jobLimits(fn, input);
  const delay = input.delay ?? input.delay_seconds;
  const scheduledAt = input.scheduled_at
    ? tx`${input.scheduled_at}::timestamptz`
    : delay
      ? tx`now() + make_interval(secs => ${delay})`
      : tx`null`;
  // A conflict on any unique index (idempotency, overlap, dedupe) inserts nothing; which one it was
  // is then looked up. The job it met may end in between: then the insert is simply tried again.
  for (let round = 0; ; round++) {
    const [job] = await tx<JobRow[]>`
      insert into jobs.queue (namespace, function_id, job_name, payload, priority, max_retries, timeout_seconds,
        progress_timeout_seconds, idempotency_key, created_by, user_email, user_role, scheduled_at, notify,
        backoff_base_ms, backoff_max_ms, tenant, overlap_key, trigger, event_id)
      values (${input.namespace}, ${fn.id}, ${input.job_name}, ${tx.json(input.payload as never)}, ${input.priority},
        ${limits.maxRetries}, ${limits.timeout}, ${fn.progress_timeout_seconds}, ${input.idempotency_key ?? null},
        ${owner.created_by}, ${owner.user_email}, ${owner.user_role}, ${scheduledAt}, ${input.notify ?? false},
        ${input.backoff?.base_ms ?? null}, ${input.backoff?.max_ms ?? null},
        ${input.on_behalf_of?.tenant === undefined ? tx`default` : input.on_behalf_of.tenant},
        ${input.dedupe_key ?? null}, ${input.event ? "event" : "adhoc"}, ${input.event?.id ?? null})
      on conflict do nothing
      returning ${tx(jobColumnsWithResult)}`;
    if (job) return { job, created: true };
    if (input.idempotency_key !== undefined) {
      const [existing] = await tx<JobRow[]>`
        select ${tx(jobColumnsWithResult)} from jobs.queue
        where coalesce(created_by, '00000000-0000-0000-0000-000000000000'::uuid)
              = coalesce(${owner.created_by}::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
          and idempotency_key = ${input.idempotency_key}`;
      if (existing) return { job: existing, created: false };
    }
    const met = await activeOverlap(tx, fn.id, input.payload, owner.created_by, input.dedupe_key);
    if (met?.overlap_mode === "reject") throw alreadyActive(input.job_name, met.id);
    if (met) {
      const [existing] =
        input.dedupe === "replace"
          ? await tx<JobRow[]>`
              update jobs.queue set payload = ${tx.json(input.payload as never)}, scheduled_at = ${scheduledAt}
              where id = ${met.id} and status = 'pending'
              returning ${tx(jobColumnsWithResult)}`
          : await tx<JobRow[]>`
              select ${tx(jobColumnsWithResult)} from jobs.queue where id = ${met.id} and status = 'pending'`;
      if (existing) return { job: existing, created: false };
    }
    if (round >= 4) {
      throw conflict(
        "SUBMIT_CONTENDED",
        "The job kept meeting jobs that ended as it was submitted; submit again",
        {
          job_name: input.job_name,
        },
      );
    }
  }
}

/** The job's own limits: what the submitter asked for, never above what the function allows. */
function jobLimits(fn: FunctionLimits, input: SubmitJobInput) {
  if (input.max_retries !== undefined && input.max_retries > fn.max_retries) {
    throw badRequest(
      "OPTION_ABOVE_LIMIT",
      `max_retries may be at most ${fn.max_retries} for "${input.job_name}"; got ${input.max_retries}`,
      { option: "max_retries", limit: fn.max_retries, value: input.max_retries },
    );
  }
  if (input.timeout !== undefined && input.timeout > fn.timeout_seconds) {
    throw badRequest(
      "OPTION_ABOVE_LIMIT",
      `timeout may be at most ${fn.timeout_seconds} seconds for "${input.job_name}"; got ${input.timeout}`,
      { option: "timeout", limit: fn.timeout_seconds, value: input.timeout },
    );
  }
  return { maxRetries: input.max_retries ?? fn.max_retries, timeout: input.timeout ?? fn.timeout_seconds };
}

export function resolveOwner(identity: Identity, input: SubmitJobInput) {
  if (input.on_behalf_of) {
    if (!isService(identity)) {
      throw forbidden("ON_BEHALF_OF_FORBIDDEN", "Only the service role may submit a job on behalf of a user");
    }
    return {
      created_by: input.on_behalf_of.user_id,
      user_email: input.on_behalf_of.user_email ?? null,
      user_role: input.on_behalf_of.user_role ?? "authenticated",
    };
  }
  return { created_by: identity.userId, user_email: identity.email, user_role: identity.role.claim };
}
