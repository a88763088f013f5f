/**
 * Starts one run of a schedule inside the caller's transaction (the scheduler's, as the service
 * role, or an admin's trigger): the job is the schedule's function with the schedule's payload,
 * retries and backoff, owned by no user. Says why when it starts nothing: the function is gone,
 * disabled or has never loaded, or (overlap "skip") an earlier run of the schedule is still active.
 */
import type { Tx } from "../db/createSql.ts";
import { type JobRow, jobColumnsWithResult } from "../queue/jobRow.ts";
import { activeOverlap } from "../queue/overlap.ts";
import { type ScheduleRow, scheduleKeyPrefix } from "./scheduleRow.ts";

export type ScheduleRunOutcome =
  | { started: true; job: JobRow }
  | {
      started: false;
      reason: "function_missing" | "function_disabled" | "function_not_ready" | "overlap";
      message: string;
      /** The active run, when the reason is overlap. */
      existing_run_id?: string;
    };

interface FunctionLimits {
  id: string;
  enabled: boolean;
  runnable: boolean;
  max_retries: number;
  timeout_seconds: number;
  progress_timeout_seconds: number;
}

export async function enqueueScheduleRun(
  tx: Tx,
  schedule: Pick<
    ScheduleRow,
    "id" | "name" | "namespace" | "job_name" | "payload" | "max_retries" | "backoff" | "overlap"
  >,
  /** The fire time, or "now" for a run started by hand. */
  fireTime: Date | "now",
): Promise<ScheduleRunOutcome> {
  const [fn] = await tx<FunctionLimits[]>`
    select id, enabled, (code_hash is not null or origin = 'handler') as runnable, max_retries, timeout_seconds,
      progress_timeout_seconds
    from jobs.functions where namespace = ${schedule.namespace} and name = ${schedule.job_name}`;
  const label = `"${schedule.job_name}" in namespace "${schedule.namespace}"`;
  if (!fn)
    return { started: false, reason: "function_missing", message: `there is no job function ${label}` };
  if (!fn.enabled)
    return { started: false, reason: "function_disabled", message: `the job function ${label} is disabled` };
  if (!fn.runnable)
    return {
      started: false,
      reason: "function_not_ready",
      message: `the job function ${label} has never loaded (see its bundle_error)`,
    };
  const prefix = scheduleKeyPrefix(schedule.id);
  if (schedule.overlap === "skip") {
    const [active] = await tx<{ id: string }[]>`
      select id from jobs.queue
      where status in ('pending', 'running') and function_id = ${fn.id}
        and starts_with(idempotency_key, ${prefix})
      limit 1`;
    if (active)
      return {
        started: false,
        reason: "overlap",
        message: `an earlier run of schedule "${schedule.name}" is still pending or running (overlap: skip)`,
        existing_run_id: active.id,
      };
  }
  const [{ at }] = await tx<
    { at: Date }[]
  >`select ${fireTime === "now" ? tx`now()` : tx`${fireTime}::timestamptz`} as at`;
  const key = `${prefix}${fireTime === "now" ? `trigger:${crypto.randomUUID()}` : at.toISOString()}`;
  const payload = { ...schedule.payload, scheduled_for: at.toISOString() };
  const [job] = await tx<JobRow[]>`
    insert into jobs.queue (namespace, function_id, job_name, payload, max_retries, timeout_seconds,
      progress_timeout_seconds, idempotency_key, user_role, backoff_base_ms, backoff_max_ms, trigger, schedule_id)
    values (${schedule.namespace}, ${fn.id}, ${schedule.job_name}, ${tx.json(payload as never)},
      ${schedule.max_retries ?? fn.max_retries}, ${fn.timeout_seconds}, ${fn.progress_timeout_seconds}, ${key},
      'service_role', ${schedule.backoff?.base_ms ?? null}, ${schedule.backoff?.max_ms ?? null},
      ${fireTime === "now" ? "cron_trigger" : "cron"}, ${schedule.id})
    on conflict (namespace, job_name, overlap_key) where overlap_mode = 'reject' and status in ('pending', 'running')
      do nothing
    returning ${tx(jobColumnsWithResult)}`;
  if (job) return { started: true, job };
  // The function's own `overlap: reject` met an active job with the same key.
  const met = await activeOverlap(tx, fn.id, payload, null, undefined);
  return {
    started: false,
    reason: "overlap",
    message: `a job of ${label} with the same key is still pending or running (the function's overlap: reject)`,
    existing_run_id: met?.id,
  };
}
