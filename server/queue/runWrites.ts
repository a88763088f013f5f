/** Writes a running job makes while it runs: progress and log lines, both fenced by the lease. */
import type { Sql } from "../db/createSql.ts";
import type { Lease } from "./finishJob.ts";

export interface ProgressValue {
  percent: number;
  message?: string;
  data?: unknown;
}

export async function writeProgress(sql: Sql, lease: Lease, progress: ProgressValue): Promise<boolean> {
  const rows = await sql`
    update jobs.queue set progress = ${sql.json(progress as never)}, last_progress_at = now()
    where id = ${lease.id} and lease_token = ${lease.lease_token} and status = 'running'`;
  return rows.count === 1;
}

export interface LogEntry {
  line_number: number;
  level: "debug" | "info" | "warn" | "error";
  message: string;
}

export async function appendLogs(sql: Sql, lease: Lease, attempt: number, lines: LogEntry[]): Promise<void> {
  if (lines.length === 0) return;
  await sql`
    insert into jobs.logs (job_id, attempt, line_number, level, message)
    select ${lease.id}, ${attempt}, l.line_number, l.level, l.message
    from unnest(${lines.map((l) => l.line_number)}::int[], ${lines.map((l) => l.level)}::text[],
                ${lines.map((l) => l.message)}::text[]) as l(line_number, level, message)
    where exists (select 1 from jobs.queue where id = ${lease.id} and lease_token = ${lease.lease_token})
    on conflict (job_id, line_number) do nothing`;
}

export async function lastLogLine(sql: Sql, jobId: string): Promise<number> {
  const [row] = await sql<
    { n: number }[]
  >`select coalesce(max(line_number), 0)::int as n from jobs.logs where job_id = ${jobId}`;
  return row!.n;
}
