/** The jobs.workers rows: register, heartbeat, and mark draining or stopped. */
import type { Sql } from "../db/createSql.ts";

export interface WorkerRegistration {
  id: string;
  name: string;
  hostname: string;
  pid: number;
  maxConcurrentJobs: number;
  /** @default "worker" */
  lane?: "api" | "worker";
  metadata?: Record<string, unknown>;
}

export async function registerWorker(sql: Sql, worker: WorkerRegistration): Promise<void> {
  await sql`
    insert into jobs.workers (id, name, hostname, pid, status, max_concurrent_jobs, lane, metadata)
    values (${worker.id}, ${worker.name}, ${worker.hostname}, ${worker.pid}, 'active', ${worker.maxConcurrentJobs},
      ${worker.lane ?? "worker"}, ${sql.json((worker.metadata ?? {}) as never)})
    on conflict (id) do update set status = 'active', last_heartbeat_at = now()`;
}

/** Returns false when the row is gone: another instance judged this worker dead. */
export async function heartbeat(sql: Sql, workerId: string, currentJobs: number): Promise<boolean> {
  const rows = await sql`
    update jobs.workers set last_heartbeat_at = now(), current_job_count = ${currentJobs}
    where id = ${workerId} and status <> 'stopped'`;
  return rows.count === 1;
}

export async function setWorkerStatus(
  sql: Sql,
  workerId: string,
  status: "active" | "draining" | "stopped",
  currentJobs: number,
): Promise<void> {
  await sql`
    update jobs.workers set status = ${status}, current_job_count = ${currentJobs}, last_heartbeat_at = now()
    where id = ${workerId}`;
}
