import type { Tx } from "../db/createSql.ts";

/** The columns of a job function shown to admins (the compiled code stays inside the server). */
export const functionColumns = [
  "id",
  "name",
  "namespace",
  "description",
  "enabled",
  "schedule",
  "timeout_seconds",
  "memory_mb",
  "max_retries",
  "progress_timeout_seconds",
  "permissions",
  "require_roles",
  "origin",
  "kind",
  "run_in",
  "isolation",
  "overlap",
  "concurrency",
  "on_events",
  "on_roles",
  "on_tables",
  "events_error",
  "source_path",
  "version",
  "bundle_error",
  "setup_error",
  "code_hash",
  "created_at",
  "updated_at",
] as const;

/** The shown columns, and whether the function (or its whole namespace) is paused. */
export const functionFields = (tx: Tx) =>
  tx`${tx(functionColumns)}, exists (select 1 from jobs.paused_queues p
    where p.namespace = jobs.functions.namespace and p.job_name in ('*', jobs.functions.name)) as paused`;
