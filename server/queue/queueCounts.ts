/** Jobs per namespace, function and status, for the metrics endpoint (read as the service role). */
import type { Tx } from "../db/createSql.ts";

export interface QueueCount {
  namespace: string;
  job_name: string;
  status: string;
  count: number;
}

export function queueCounts(tx: Tx): Promise<QueueCount[]> {
  return tx<QueueCount[]>`
    select namespace, job_name, status, count(*)::int as count
    from jobs.queue group by namespace, job_name, status`;
}
