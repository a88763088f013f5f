/**
 * Claims due pending jobs for free worker slots through `jobs.claim_jobs_for` (migration 0028; the
 * order, the namespace cap and the lock are explained in 0008, 0017 and 0026): one statement
 * sent on its own, so the lock every claimer shares is never held across a client round trip, and a
 * frozen process stalls no one. The attempt is counted by the claim; the lease runs
 * `leaseMs` from now and the worker's heartbeat renews it (renewLeases).
 *
 * The lock is `pg_advisory_xact_lock(7242002)`: one fixed key that every claimer in every process
 * shares. Any constant would do as long as nothing else takes it: 7242001 is the migration lock
 * (db/migrate.ts), 7242002 the claim, and the functions sync takes
 * `hashtext('fluxbase.jobs.functions.sync')`. It is transaction-scoped, so it is released when the
 * claim statement ends, also on error; a claimer waits for it at most `lock_timeout` (1 s).
 */
import type { Sql } from "../db/createSql.ts";

export interface ClaimedJob {
  id: string;
  namespace: string;
  function_id: string | null;
  job_name: string;
  payload: unknown;
  attempt: number;
  retry_count: number;
  max_retries: number;
  timeout_seconds: number;
  progress_timeout_seconds: number;
  lease_token: string;
  created_by: string | null;
  user_role: string | null;
  user_email: string | null;
  kind: "sandboxed" | "handler";
  backoff_base_ms: number | null;
  backoff_max_ms: number | null;
  /** The submitter's tenant (their FLUXBASE_TENANT_CLAIM claim); null: the user id, if any. */
  tenant: string | null;
  /** Seconds from when the job was due to this claim (pickup latency). */
  waited_seconds: number;
  /** The worker whose slot the job took. */
  worker_id: string;
}

/** Which jobs a worker may take: its lane, and of trusted handlers only those it has. */
export interface ClaimFilter {
  lane: "api" | "worker";
  /** `namespace/name` of the trusted handlers registered in this process. */
  handlerKeys: readonly string[];
}

/** `slots`: a worker id per free slot (a worker with three free slots is listed three times). */
export async function claimJobs(
  sql: Sql,
  slots: readonly string[],
  maxPerNamespace: number,
  leaseMs: number,
  filter: ClaimFilter,
): Promise<ClaimedJob[]> {
  if (slots.length === 0) return [];
  // The claim's commit does not wait for its WAL flush (the setting ends with its transaction). Claims
  // run one after another under the claim lock, and each waited for the last one's flush: trusted no-op
  // jobs drained 18 % faster without it. A database crash can lose only the last claims, never a
  // submit or an outcome: theirs stay synchronous, and their flush covers every claim before them (WAL
  // is written in order). A lost claim leaves its job pending, to run again as after a worker's crash.
  return sql<ClaimedJob[]>`
    select c.* from jobs.claim_jobs_for(${slots as string[]}::uuid[], ${maxPerNamespace}, ${Math.round(leaseMs)},
      ${filter.lane}, ${filter.handlerKeys as string[]}::text[]) c,
      set_config('synchronous_commit', 'off', true)`;
}
