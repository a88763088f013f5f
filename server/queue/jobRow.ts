/** The shape of a job as the API returns it, and the SQL column list that produces it. */

export type JobStatus = "pending" | "running" | "completed" | "failed" | "cancelled";
export const jobStatuses = ["pending", "running", "completed", "failed", "cancelled"] as const;
/** How a job started (migration 0016). */
export const jobTriggers = ["adhoc", "cron", "cron_trigger", "event", "retry", "resubmit"] as const;
export type JobTrigger = (typeof jobTriggers)[number];
export const terminalStatuses: readonly JobStatus[] = ["completed", "failed", "cancelled"];

export interface JobRow {
  id: string;
  namespace: string;
  function_id: string | null;
  job_name: string;
  status: JobStatus;
  payload: unknown;
  result?: unknown;
  progress: { percent: number; message?: string; data?: unknown } | null;
  priority: number;
  max_retries: number;
  retry_count: number;
  attempt: number;
  timeout_seconds: number;
  progress_timeout_seconds: number;
  error_message: string | null;
  worker_id: string | null;
  cancel_mode: string | null;
  created_by: string | null;
  user_role: string | null;
  user_email: string | null;
  created_at: Date;
  updated_at: Date;
  scheduled_at: Date | null;
  started_at: Date | null;
  last_progress_at: Date | null;
  completed_at: Date | null;
  trigger: JobTrigger;
  /** The schedule that started it (trigger cron or cron_trigger). */
  schedule_id: string | null;
  /** The newer job that cancelled this one (its function's `overlap: supersede`). */
  superseded_by: string | null;
  /** The event that started it (trigger `event`). */
  event_id: string | null;
  /** Pending after a failed attempt: when the next one may start. */
  next_attempt_at: Date | null;
  /** What its AI calls used (job.ai / ctx.ai), over every attempt; null before the first. */
  ai_usage: {
    requests: number;
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    run_attempt: number;
    run_total_tokens: number;
  } | null;
  /** The submitter is mailed when the job ends. */
  notify: boolean;
}

/** The columns of jobs.queue that never leave the server, whatever path reads the row. */
export const hiddenJobColumns = ["lease_token", "idempotency_key"] as const;

/** Columns a caller may see: every column but hiddenJobColumns. */
export const jobColumns = [
  "id",
  "namespace",
  "function_id",
  "job_name",
  "status",
  "payload",
  "progress",
  "priority",
  "max_retries",
  "retry_count",
  "attempt",
  "timeout_seconds",
  "progress_timeout_seconds",
  "error_message",
  "worker_id",
  "cancel_mode",
  "created_by",
  "user_role",
  "user_email",
  "created_at",
  "updated_at",
  "scheduled_at",
  "started_at",
  "last_progress_at",
  "completed_at",
  "trigger",
  "schedule_id",
  "superseded_by",
  "event_id",
  "next_attempt_at",
  "ai_usage",
  "notify",
] as const;

export const jobColumnsWithResult = [...jobColumns, "result"] as const;

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === "string" && (jobStatuses as readonly string[]).includes(value);
}
