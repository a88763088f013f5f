/** The job as the API returns it, and the options of the user-facing jobs methods. */

/** Where a job is in its life: `pending` → `running` → `completed` | `failed` | `cancelled`. */
export type JobStatus = "pending" | "running" | "completed" | "failed" | "cancelled";
/** How a job started: a submit, a schedule's fire time, a schedule run by hand, a copy of another job, ... */
export type JobTrigger = "adhoc" | "cron" | "cron_trigger" | "event" | "retry" | "resubmit";

/** The statuses a job never leaves on its own (a failed job can still be retried). */
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ["completed", "failed", "cancelled"];

/** The last progress a job reported with `job.reportProgress(percent, message, data)`. */
export interface JobProgress {
  /** 0–100. */
  percent: number;
  /** Human-readable status, e.g. `"Processed 3/5"`. */
  message?: string;
  /** Custom data the job attached, e.g. `{ processed: 3, total: 5 }`. */
  data?: Record<string, any>;
}

/** A job in the queue. Timestamps are ISO-8601 strings. */
export interface Job<TPayload = any, TResult = any> {
  /** Job UUID. */
  id: string;
  /** Namespace of the job function. */
  namespace: string;
  /** Name of the job function. */
  job_name: string;
  /** The function row this job runs, or `null` if that function was deleted. */
  function_id: string | null;
  status: JobStatus;
  /** The payload given at submit time. */
  payload: TPayload;
  /** What the handler returned; only present when asked for (`includeResult`) or when fetched by id. */
  result?: TResult | null;
  progress: JobProgress | null;
  /** Higher runs first. */
  priority: number;
  max_retries: number;
  /** How many times the job has been retried after failing. */
  retry_count: number;
  /** Runs started so far, crashes included. */
  attempt: number;
  timeout_seconds: number;
  progress_timeout_seconds: number;
  /** Why the job failed (or was cancelled), when it did. */
  error_message: string | null;
  /** The worker running (or that last ran) the job. */
  worker_id: string | null;
  /** `"cancel"` or `"terminate"` once a cancellation was requested. */
  cancel_mode: string | null;
  /** The user who submitted the job (or on whose behalf it was submitted). */
  created_by: string | null;
  user_role: string | null;
  user_email: string | null;
  created_at: string;
  updated_at: string;
  /** When the job becomes due, if it was scheduled or delayed. */
  scheduled_at: string | null;
  started_at: string | null;
  last_progress_at: string | null;
  completed_at: string | null;
  trigger: JobTrigger;
  /** The schedule that started it (trigger `cron` or `cron_trigger`). */
  schedule_id: string | null;
  /** The newer job that cancelled this one (its function's `overlap: supersede`). */
  superseded_by: string | null;
  /** The event that started it (trigger `event`). */
  event_id: string | null;
  /** Pending after a failed attempt: when the next one may start (its last error is in `error_message`). */
  next_attempt_at: string | null;
  /** What its AI calls used (`job.ai`), over every attempt; null before the first. */
  ai_usage: {
    requests: number;
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    run_attempt: number;
    run_total_tokens: number;
  } | null;
  /** The submitter is mailed when the job ends (`notify: true` at submit). */
  notify: boolean;
}

/** One line a job printed (`console.log` / `console.error`). */
export interface JobLogLine {
  /** 1-based, increasing; pass the last one seen as `afterLine` to get only newer lines. */
  line_number: number;
  level: "debug" | "info" | "warn" | "error";
  message: string;
  timestamp: string;
  /** The run (1 for the first attempt, 2 after one retry, ...) that wrote the line. */
  attempt: number;
}

/** The user a service-role caller submits a job for; the job then runs with that user's identity. */
export interface OnBehalfOf {
  /** The user's UUID (becomes `created_by`). */
  user_id: string;
  user_email?: string;
  user_role?: string;
  /** The user's tenant, for feature toggles. @default the user id */
  tenant?: string;
}

/** One attempt of a job (`client.jobs.getAttempts`). */
export interface JobAttempt {
  attempt: number;
  worker_id: string | null;
  started_at: string;
  finished_at: string | null;
  /** Null while the attempt runs; `retry`: failed and scheduled again; `released`: given back at shutdown; `recovered`: its worker died. */
  outcome: "completed" | "failed" | "retry" | "cancelled" | "released" | "recovered" | null;
  error_message: string | null;
}

/** Options of `client.jobs.submit`. */
export interface SubmitJobOptions {
  /** Namespace of the job function. @default "default" */
  namespace?: string;
  /** Higher runs first, -1000 to 1000. @default 0 */
  priority?: number;
  /** Run no earlier than this time. Give this or `delaySeconds`, not both. */
  scheduledAt?: Date | string;
  /** Run no earlier than this many seconds from now. Give this or `scheduledAt`, not both. */
  delaySeconds?: number;
  /** Retries of this job; at most the function's own. @default the function's */
  maxRetries?: number;
  /** Seconds this job may run; at most the function's own. @default the function's */
  timeout?: number;
  /** Delay before each retry: about `baseMs` first, doubling up to `maxMs`. @default the server's */
  backoff?: { baseMs: number; maxMs: number };
  /**
   * Submitting twice with the same key returns the first job instead of creating another
   * (sent as the `Idempotency-Key` header; scoped to the submitting user).
   */
  idempotencyKey?: string;
  /**
   * While a pending job of this function has the same key (yours), the submit answers that job
   * (status 200) instead of adding another; on a function with `overlap: reject`, the key compared
   * instead of the payload's (a second active one is refused with `JOB_ALREADY_ACTIVE`, 409).
   */
  dedupeKey?: string;
  /** `"replace"`: the pending job met by `dedupeKey` takes this payload and run time. @default "keep" */
  dedupe?: "keep" | "replace";
  /** Service role only: submit as this user, so the job runs with their identity and RLS. */
  onBehalfOf?: OnBehalfOf;
  /**
   * Mail the submitter's email claim when the job ends (completed, failed or cancelled). Errors:
   * `NOTIFY_UNAVAILABLE` (the server has no SMTP), `NOTIFY_NO_EMAIL` (the token has no email). @default false
   */
  notify?: boolean;
}

/** Filters and paging of `client.jobs.list` (and `client.admin.jobs.listJobs`). */
export interface ListJobsOptions {
  status?: JobStatus;
  trigger?: JobTrigger;
  jobName?: string;
  namespace?: string;
  /** Page size, 1–200. @default 50 */
  limit?: number;
  /** Rows to skip. @default 0 */
  offset?: number;
  /** Only jobs created at or after this time. */
  createdAfter?: Date | string;
  /** Only jobs created before this time. */
  createdBefore?: Date | string;
  /** Keyset paging: the `nextCursor` of the previous page (steadier than `offset` while jobs arrive). */
  cursor?: string;
  /** Include each job's `result` (can be large). @default false */
  includeResult?: boolean;
  /** `oldest`: oldest first. @default "newest" */
  order?: "newest" | "oldest";
}

/** The server's page envelope for job lists. */
export interface JobPage {
  jobs: Job[];
  limit: number;
  offset: number;
  total: number;
  /** The `cursor` of the next page; null on the last one. */
  next_cursor: string | null;
}
