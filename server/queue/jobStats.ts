/** Admin: counts per status, average run time, and the same per function. */
import type { Tx } from "../db/createSql.ts";
import { type LanesStats, laneStats, laneWarning } from "./laneStats.ts";

export interface StatusCounts {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

export interface JobStats extends StatusCounts {
  avg_duration_seconds: number | null;
  /** `paused`: the function or its namespace is paused. */
  by_function: (StatusCounts & { namespace: string; job_name: string; paused: boolean })[];
  /** Per lane, whatever the namespace: due jobs, running jobs, live workers. */
  lanes: LanesStats;
  /** Lanes with due jobs and no live worker, in words. */
  warnings: string[];
  /** What is paused: whole namespaces (`job_name` "*") and single functions. */
  paused: { namespace: string; job_name: string; paused_at: Date }[];
}

export async function jobStats(tx: Tx, workerTimeoutMs: number, namespace?: string): Promise<JobStats> {
  const rows = await tx<
    (StatusCounts & { namespace: string; job_name: string; duration_sum: number; finished: number })[]
  >`
    select namespace, job_name,
      count(*) filter (where status = 'pending')::int as pending,
      count(*) filter (where status = 'running')::int as running,
      count(*) filter (where status = 'completed')::int as completed,
      count(*) filter (where status = 'failed')::int as failed,
      count(*) filter (where status = 'cancelled')::int as cancelled,
      count(*)::int as total,
      coalesce(sum(extract(epoch from completed_at - started_at))
        filter (where status = 'completed' and started_at is not null), 0)::float8 as duration_sum,
      count(*) filter (where status = 'completed' and started_at is not null)::int as finished
    from jobs.queue
    ${namespace ? tx`where namespace = ${namespace}` : tx``}
    group by namespace, job_name
    order by namespace, job_name`;
  const stats: JobStats = {
    pending: 0,
    running: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    total: 0,
    avg_duration_seconds: null,
    by_function: [],
    lanes: await laneStats(tx, workerTimeoutMs),
    warnings: [],
    paused: await tx<JobStats["paused"]>`
      select namespace, job_name, paused_at from jobs.paused_queues
      ${namespace ? tx`where namespace = ${namespace}` : tx``}
      order by namespace, job_name`,
  };
  const isPaused = (ns: string, name: string) =>
    stats.paused.some((p) => p.namespace === ns && (p.job_name === "*" || p.job_name === name));
  stats.warnings = (["api", "worker"] as const).flatMap((lane) => laneWarning(lane, stats.lanes[lane]) ?? []);
  let durationSum = 0;
  let finished = 0;
  for (const { duration_sum, finished: done, ...counts } of rows) {
    for (const key of ["pending", "running", "completed", "failed", "cancelled", "total"] as const) {
      stats[key] += counts[key];
    }
    durationSum += duration_sum;
    finished += done;
    stats.by_function.push({ ...counts, paused: isPaused(counts.namespace, counts.job_name) });
  }
  stats.avg_duration_seconds = finished > 0 ? Math.round((durationSum / finished) * 1000) / 1000 : null;
  return stats;
}
