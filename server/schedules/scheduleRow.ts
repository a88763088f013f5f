/** The shape of a schedule as the API returns it, and the SQL column list that produces it. */

export const overlapPolicies = ["skip", "allow"] as const;
export const misfirePolicies = ["skip", "run_once"] as const;

export interface ScheduleRow {
  id: string;
  name: string;
  namespace: string;
  job_name: string;
  cron: string;
  timezone: string;
  payload: Record<string, unknown>;
  enabled: boolean;
  /** null: the function's. */
  max_retries: number | null;
  /** null: the server's retry backoff. */
  backoff: { base_ms: number; max_ms: number } | null;
  overlap: (typeof overlapPolicies)[number];
  misfire: (typeof misfirePolicies)[number];
  source: "annotation" | "api";
  /** null while paused (and, for a new annotation row, until a scheduler computes it). */
  next_run_at: Date | null;
  last_run_at: Date | null;
  last_job_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export const scheduleColumns = [
  "id",
  "name",
  "namespace",
  "job_name",
  "cron",
  "timezone",
  "payload",
  "enabled",
  "max_retries",
  "backoff",
  "overlap",
  "misfire",
  "source",
  "next_run_at",
  "last_run_at",
  "last_job_id",
  "created_at",
  "updated_at",
] as const;

/** The idempotency key of a schedule's jobs starts with this; scheduled-run alerts look for it. */
export const scheduleKeyPrefix = (scheduleId: string) => `schedule:${scheduleId}:`;
