/** Admin: the worker registry, newest first. */
import type { Tx } from "../db/createSql.ts";

export interface WorkerRow {
  id: string;
  name: string;
  hostname: string;
  pid: number;
  status: "active" | "draining" | "stopped";
  max_concurrent_jobs: number;
  current_job_count: number;
  last_heartbeat_at: Date;
  started_at: Date;
}

export function listWorkers(tx: Tx): Promise<WorkerRow[]> {
  return tx<WorkerRow[]>`
    select id, name, hostname, pid, status, max_concurrent_jobs, current_job_count, last_heartbeat_at, started_at
    from jobs.workers order by started_at desc, name`;
}

export async function listNamespaces(tx: Tx): Promise<string[]> {
  const rows = await tx<{ namespace: string }[]>`
    select namespace from jobs.functions union select namespace from jobs.queue order by namespace`;
  return rows.map((row) => row.namespace);
}
