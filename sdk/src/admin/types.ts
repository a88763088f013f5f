/** Shapes of the admin jobs API: functions, workers, stats and sync. */
import type { JobStatus, JobTrigger } from "../jobs/types.ts";

/** Sandbox permissions of a function; `net: true` allows every host, a list only those hosts. */
export interface JobFunctionPermissions {
  net?: boolean | string[];
  /** Environment variables the job may read (`FLUXBASE_*` only). */
  env?: string[];
  /** Paths the job may read. */
  read?: string[];
  /** Paths the job may write. */
  write?: string[];
}

/** A job function: the code a job runs and its settings. Timestamps are ISO-8601 strings. */
export interface JobFunction {
  id: string;
  name: string;
  namespace: string;
  description: string | null;
  /** What the author wrote (may be left out of lists). */
  source?: string;
  /** Hash of the bundle that runs; `null` when bundling failed (see `bundle_error`). */
  code_hash: string | null;
  bundle_error: string | null;
  /**
   * Why its schedule is not in place although its annotations are valid (a schedule of the same
   * name was created through the API); `null` when it is.
   */
  setup_error: string | null;
  enabled: boolean;
  /** Cron expression for scheduled runs, or `null`. */
  schedule: string | null;
  timeout_seconds: number;
  memory_mb: number;
  max_retries: number;
  /** Seconds without a progress report before a running job is failed. */
  progress_timeout_seconds: number;
  permissions: JobFunctionPermissions;
  /** Roles allowed to submit it; empty means any signed-in caller. */
  require_roles: string[];
  /** `"api"` (uploaded), `"filesystem"` (loaded from the jobs folder) or `"handler"` (a trusted handler). */
  origin: "api" | "filesystem" | "handler";
  /** `"handler"`: a trusted handler run in the server's process; `"sandboxed"`: run in Deno. */
  kind: "handler" | "sandboxed";
  /** The lane its jobs run in: processes with the HTTP API (`"api"`) or worker processes. */
  run_in: "api" | "worker";
  /**
   * Sandboxed functions: `"warm"` (a kept Deno process serves run after run of this version) or
   * `"process"` (a fresh process per run). Trusted handlers run in the server's process.
   */
  isolation: "warm" | "process";
  /**
   * Null: jobs never wait for or refuse each other. For jobs with the same key — the payload value
   * at `key` (one key for the whole function when null), per submitting user unless `scope` is
   * `"global"` — `reject`: while one is pending or running a submit is refused (409
   * `JOB_ALREADY_ACTIVE`); `queue`: one runs at a time; `supersede`: a new one cancels the older.
   */
  overlap: {
    policy: "reject" | "queue" | "supersede";
    key: string | null;
    scope: "user" | "global";
  } | null;
  /** At most this many running jobs of the function across all processes; null: no cap. */
  concurrency: number | null;
  /** Named events that start a job of it (`@fluxbase:on incident:created`). */
  on_events: string[];
  /** Who may start it by an event; null: whoever may submit it (`require_roles`). */
  on_roles: string[] | null;
  /** Table changes that start a job of it (`@fluxbase:on insert app.orders`). */
  on_tables: { op: "insert" | "update" | "delete"; schema: string; table: string }[];
  /** Why a table subscription is not in place (a missing table, say); null when all are. */
  events_error: string | null;
  /** True while it (or its whole namespace) is paused: its jobs are accepted but not started. */
  paused: boolean;
  source_path: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

/** Body of `client.admin.jobs.create`; unset settings come from the code's `@fluxbase:` annotations. */
export interface CreateJobFunctionInput {
  /** Letters, digits, `-` and `_`. */
  name: string;
  /** @default "default" (or the `@fluxbase:namespace` annotation) */
  namespace?: string;
  /** TypeScript/JavaScript source exporting `handler`. */
  code: string;
  /** @default true */
  enabled?: boolean;
  description?: string | null;
  /** @default 300 */
  timeout_seconds?: number;
  /** @default 3 */
  max_retries?: number;
  /** @default 256 */
  memory_mb?: number;
  /** @default 300 */
  progress_timeout_seconds?: number;
  /** Cron expression (5 or 6 fields); `null` for none. */
  schedule?: string | null;
  require_roles?: string[];
  permissions?: JobFunctionPermissions;
}

/** Body of `client.admin.jobs.update`: any subset of the settings (name and namespace stay). */
export type UpdateJobFunctionInput = Partial<Omit<CreateJobFunctionInput, "name" | "namespace">>;

/** A worker process of the pool. */
export interface JobWorker {
  id: string;
  name: string;
  hostname: string;
  pid: number;
  status: "active" | "draining" | "stopped";
  max_concurrent_jobs: number;
  current_job_count: number;
  last_heartbeat_at: string;
  started_at: string;
}

/** Job counts per status. */
export interface JobStatusCounts {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

/** `client.admin.jobs.getStats()`: counts overall and per function. */
export interface JobStats extends JobStatusCounts {
  /** Mean run time of completed jobs, or `null` when none completed. */
  avg_duration_seconds: number | null;
  /** `paused`: the function or its namespace is paused (its jobs wait). */
  by_function: (JobStatusCounts & { namespace: string; job_name: string; paused: boolean })[];
  /** Per lane: jobs due now, jobs running, and workers alive for it. */
  lanes: Record<"api" | "worker", { pending: number; running: number; live_workers: number }>;
  /** A lane with due jobs and no live worker, in words. */
  warnings: string[];
  /** What is paused: whole namespaces (`job_name` `"*"`) and single functions. */
  paused: { namespace: string; job_name: string; paused_at: string }[];
}

/** One function in a sync: its name and source, plus optional settings. */
export type SyncJobInput = Omit<CreateJobFunctionInput, "namespace">;

/** Body of `client.admin.jobs.sync`. */
export interface SyncJobsInput {
  /** The namespace being synced. */
  namespace: string;
  /** The functions the namespace should hold; leave out to re-sync the server's jobs folder. */
  jobs?: SyncJobInput[];
  /**
   * Without `jobs`: the folder to sync, as the server sees it. Only the server's own jobs folder is
   * accepted (`400 INVALID_PATH` otherwise); leave out to mean that folder.
   */
  path?: string;
  options?: {
    /** Delete functions of the namespace that are not in `jobs`. @default false */
    delete_missing?: boolean;
    /** Report what would change without changing anything. @default false */
    dry_run?: boolean;
  };
}

/** What a sync did (or, with `dry_run`, would do). */
export interface SyncJobsResult {
  summary: { created: number; updated: number; deleted: number; unchanged: number; errors: number };
  details: { created: string[]; updated: string[]; deleted: string[]; unchanged: string[] };
  errors: { name: string; message: string }[];
}

/** Filters and paging of `client.admin.jobs.listJobs`. */
export interface AdminListJobsOptions {
  status?: JobStatus;
  trigger?: JobTrigger;
  jobName?: string;
  namespace?: string;
  /** Only jobs claimed by this worker. */
  workerId?: string;
  /** Only jobs of this user (UUID). */
  createdBy?: string;
  /** Only jobs whose submitter's email starts with this (case-insensitive). */
  userEmail?: string;
  /** Only jobs created at or after this time. */
  createdAfter?: Date | string;
  /** Only jobs created before this time. */
  createdBefore?: Date | string;
  /** Keyset paging: the `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size, 1–200. @default 50 */
  limit?: number;
  /** Rows to skip. @default 0 */
  offset?: number;
  /** Include each job's `result`. @default false */
  includeResult?: boolean;
  /** `oldest`: oldest first. @default "newest" */
  order?: "newest" | "oldest";
}

/** `client.admin.jobs.getTimeline()`: jobs that ended per time bucket. */
export interface JobTimeline {
  range: "hour" | "day";
  bucket_seconds: number;
  /** Oldest first; every bucket of the range, empty ones included. */
  buckets: { at: string; completed: number; failed: number; cancelled: number }[];
  /** Seconds the oldest due pending job has waited; null when none waits. */
  oldest_pending_seconds: number | null;
}
