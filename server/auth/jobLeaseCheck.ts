/**
 * Tokens minted for a job run carry `job_id` and `job_lease`; they are good only while that run
 * holds the job. A short cache keeps a busy job's calls from costing a query each, while a token
 * replayed after the run ended is refused within a second.
 */

export type JobLeaseCheck = (jobId: string, lease: string) => Promise<boolean>;

/** `leaseHeld` asks the database (queue/leaseHeld.ts); this adds the cache. */
export function createJobLeaseCheck(leaseHeld: JobLeaseCheck, ttlMs = 500): JobLeaseCheck {
  const cache = new Map<string, { ok: boolean; at: number }>();
  return async (jobId, lease) => {
    const key = `${jobId}:${lease}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.ok;
    const ok = await leaseHeld(jobId, lease);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { ok, at: Date.now() });
    return ok;
  };
}
