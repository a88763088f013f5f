/**
 * The heartbeat's lease renewal: pushes out the expiry of exactly the runs the worker holds (id and
 * lease token), and reports which it still holds. A run missing from the answer was taken from the
 * worker (recovered, cancelled, finished elsewhere): the caller asks the row which.
 */
import type { Sql } from "../db/createSql.ts";
import type { Lease } from "./finishJob.ts";

export async function renewLeases(sql: Sql, leases: Lease[], leaseMs: number): Promise<Set<string>> {
  if (leases.length === 0) return new Set();
  const rows = await sql<{ id: string }[]>`
    update jobs.queue q set lease_expires_at = now() + make_interval(secs => ${leaseMs / 1000})
    from unnest(${leases.map((l) => l.id)}::uuid[], ${leases.map((l) => l.lease_token)}::uuid[]) as l(id, token)
    where q.id = l.id and q.lease_token = l.token and q.status = 'running'
    returning q.id`;
  return new Set(rows.map((row) => row.id));
}
