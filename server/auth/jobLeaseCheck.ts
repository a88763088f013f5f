/**
 * Tokens minted for a job run carry `job_id` and `job_lease`; they are good only while that run
 * holds the job. A short cache keeps a busy job's calls from costing a query each, while a token
 * replayed after the run ended is refused within a second.
 */
import type { Sql } from "../db/createSql.ts";

export type JobLeaseCheck = (jobId: string, lease: string) => Promise<boolean>;

export function createJobLeaseCheck(sql: Sql, ttlMs = 500): JobLeaseCheck {
  const cache = new Map<string, { ok: boolean; at: number }>();
  return async (jobId, lease) => {
    const key = `${jobId}:${lease}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.ok;
    const rows = await sql`
      select 1 from jobs.queue where id = ${jobId} and lease_token = ${lease} and status = 'running'`;
    const ok = rows.length === 1;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { ok, at: Date.now() });
    return ok;
  };
}
