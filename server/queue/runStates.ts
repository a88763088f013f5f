/** The current status, cancel mode and lease of the given runs, for a worker to see which it must stop. */
import type { Sql } from "../db/createSql.ts";

export interface RunState {
  id: string;
  status: string;
  cancel_mode: string | null;
  lease_token: string | null;
}

export async function runStates(sql: Sql, ids: string[]): Promise<Map<string, RunState>> {
  const rows = await sql<RunState[]>`
    select id, status, cancel_mode, lease_token from jobs.queue where id = any(${ids}::uuid[])`;
  return new Map(rows.map((row) => [row.id, row]));
}
