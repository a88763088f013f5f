/** True while the run with this lease token still holds its job (running, not recovered or finished). */
import type { Sql } from "../db/createSql.ts";

export async function leaseHeld(sql: Sql, jobId: string, leaseToken: string): Promise<boolean> {
  const rows = await sql`
    select 1 from jobs.queue where id = ${jobId} and lease_token = ${leaseToken} and status = 'running'`;
  return rows.length === 1;
}
