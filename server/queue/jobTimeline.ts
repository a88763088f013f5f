/**
 * Admin: jobs that ended per time bucket — per minute over the last hour, or per hour over the last
 * day — with the age of the oldest job waiting to run. Read through queue_finished_idx.
 */
import type { Tx } from "../db/createSql.ts";

export type TimelineRange = "hour" | "day";

export interface TimelineBucket {
  at: Date;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface JobTimeline {
  range: TimelineRange;
  bucket_seconds: number;
  buckets: TimelineBucket[];
  /** Seconds the oldest due pending job has waited; null when none waits. */
  oldest_pending_seconds: number | null;
}

export async function jobTimeline(tx: Tx, range: TimelineRange, namespace?: string): Promise<JobTimeline> {
  const unit = range === "hour" ? "minute" : "hour";
  const count = range === "hour" ? 60 : 24;
  const step = `1 ${unit}`;
  const buckets = await tx<TimelineBucket[]>`
    WITH slots AS (
      SELECT generate_series(
        date_trunc(${unit}, now()) - (${count - 1}::int * ${step}::interval),
        date_trunc(${unit}, now()),
        ${step}::interval
      ) AS at
    ), ended AS (
      SELECT date_trunc(${unit}, completed_at) AS at, status
      FROM jobs.queue
      WHERE status IN ('completed', 'failed', 'cancelled')
        AND completed_at >= date_trunc(${unit}, now()) - (${count - 1}::int * ${step}::interval)
        AND (${namespace ?? null}::text IS NULL OR namespace = ${namespace ?? null})
    )
    SELECT slots.at,
      count(*) FILTER (WHERE ended.status = 'completed')::int AS completed,
      count(*) FILTER (WHERE ended.status = 'failed')::int AS failed,
      count(*) FILTER (WHERE ended.status = 'cancelled')::int AS cancelled
    FROM slots LEFT JOIN ended ON ended.at = slots.at
    GROUP BY slots.at ORDER BY slots.at`;
  const [oldest] = await tx<{ seconds: number | null }[]>`
    SELECT extract(epoch FROM now() - min(coalesce(scheduled_at, created_at)))::float8 AS seconds
    FROM jobs.queue
    WHERE status = 'pending' AND coalesce(scheduled_at, created_at) <= now()
      AND (${namespace ?? null}::text IS NULL OR namespace = ${namespace ?? null})`;
  return {
    range,
    bucket_seconds: range === "hour" ? 60 : 3600,
    buckets,
    oldest_pending_seconds: oldest?.seconds ?? null,
  };
}
