/**
 * Per lane: jobs pending (due now) and running, and the workers alive for it (active, with a
 * heartbeat within the worker timeout). A lane with due jobs and no live worker is stuck.
 */
import type { Sql, Tx } from "../db/createSql.ts";

export interface LaneStats {
  pending: number;
  running: number;
  live_workers: number;
}

export type LanesStats = Record<"api" | "worker", LaneStats>;

export async function laneStats(sql: Sql | Tx, workerTimeoutMs: number): Promise<LanesStats> {
  const rows = await sql<({ lane: "api" | "worker" } & LaneStats)[]>`
    select l.lane,
      (select count(*) from jobs.queue q where q.lane = l.lane and q.status = 'pending'
         and coalesce(q.scheduled_at, q.created_at) <= now())::int as pending,
      (select count(*) from jobs.queue q where q.lane = l.lane and q.status = 'running')::int as running,
      (select count(*) from jobs.workers w where w.lane = l.lane and w.status = 'active'
         and w.last_heartbeat_at > now() - make_interval(secs => ${workerTimeoutMs / 1000}))::int as live_workers
    from (values ('api'), ('worker')) as l(lane)`;
  const out = {} as LanesStats;
  for (const { lane, ...stats } of rows) out[lane] = stats;
  return out;
}

/** The operator-facing warning for a stuck lane, or undefined. */
export function laneWarning(lane: "api" | "worker", stats: LaneStats): string | undefined {
  if (stats.pending === 0 || stats.live_workers > 0) return undefined;
  return lane === "worker"
    ? `${stats.pending} worker-lane job(s) are waiting and no worker process is alive: start one with \`fluxbase worker\` (or --role all)`
    : `${stats.pending} api-lane job(s) are waiting and no process with the HTTP API is running jobs: start one with --role api or all`;
}
