/** Wire shapes of `/api/v1/admin/jobs/schedules`, as the server sends them. */

/** A schedule: a cron expression that submits a job of a function. Timestamps are ISO-8601 strings. */
export interface Schedule {
  id: string;
  /** Unique in its namespace; an annotation schedule is named after its function. */
  name: string;
  namespace: string;
  /** The function each run submits (in `namespace`). */
  job_name: string;
  /** 5 fields, 6 (seconds first), or `@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly`. */
  cron: string;
  /** IANA time zone the cron is read in. */
  timezone: string;
  /** The payload of every run (plus `scheduled_for`, the fire time). */
  payload: Record<string, unknown>;
  /** False while paused. */
  enabled: boolean;
  /** Retries of each run; `null`: the function's. */
  max_retries: number | null;
  /** Retry delays of each run; `null`: the server's. */
  backoff: { base_ms: number; max_ms: number } | null;
  /** `skip`: a fire time is skipped while a run of the schedule is pending or running; `allow`: it is not. */
  overlap: "skip" | "allow";
  /** After downtime, `skip` drops the missed fire times and `run_once` runs one job for them. */
  misfire: "skip" | "run_once";
  /** `annotation`: from a function's `@fluxbase:schedule` (or `defineJob({ schedule })`); `api`: created through the API. */
  source: "annotation" | "api";
  /** `null` while paused. */
  next_run_at: string | null;
  last_run_at: string | null;
  last_job_id: string | null;
  created_at: string;
  updated_at: string;
}

/** Input of `client.admin.jobs.schedules.create`. */
export interface CreateScheduleInput {
  name: string;
  /** @default "default" */
  namespace?: string;
  job_name: string;
  cron: string;
  /** @default "UTC" */
  timezone?: string;
  /** @default {} */
  payload?: Record<string, unknown>;
  /** @default true */
  enabled?: boolean;
  /** @default null (the function's) */
  max_retries?: number | null;
  /** @default null (the server's) */
  backoff?: { base_ms: number; max_ms: number } | null;
  /** @default "skip" */
  overlap?: "skip" | "allow";
  /** @default "skip" */
  misfire?: "skip" | "run_once";
}

/**
 * Input of `client.admin.jobs.schedules.update`: any subset. On an annotation schedule, `name`,
 * `namespace`, `job_name` and `cron` belong to the annotation (409 `SCHEDULE_FROM_ANNOTATION`).
 */
export type UpdateScheduleInput = Partial<CreateScheduleInput>;

/** Filters of `client.admin.jobs.schedules.list`. */
export interface ListSchedulesOptions {
  namespace?: string;
  jobName?: string;
  source?: "annotation" | "api";
}
