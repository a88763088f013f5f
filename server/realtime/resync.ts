/**
 * What subscribers may have missed while the LISTEN connection was down: jobs.queue rows changed and
 * jobs.logs lines written since shortly before the last change we heard of, replayed as changes (the
 * fan-out still reads each row as each subscriber). Known gaps, by design: DELETEs in the gap are not
 * recoverable (the rows are gone), a job updated several times in the gap is replayed once in its
 * current state, and jobs.workers is not replayed (its heartbeats churn; dashboards re-read it).
 */

import type { ChangeNotification } from "../db/changeNotification.ts";
import type { Sql } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";

/** At most this many rows per table per resync; a longer outage is the clients' cue to re-read. */
const maxRows = 1000;

export async function readMissedChanges(sql: Sql, since: Date): Promise<ChangeNotification[]> {
  return asService(sql, async (tx) => {
    const jobs = await tx<
      {
        id: string;
        status: string;
        namespace: string;
        created_by: string | null;
        job_name: string;
        created: boolean;
        ts: string;
      }[]
    >`
      select id, status, namespace, created_by, job_name, created_at >= ${since} as created,
             to_jsonb(updated_at) #>> '{}' as ts
      from jobs.queue where updated_at >= ${since} order by updated_at limit ${maxRows}`;
    const lines = await tx<{ id: string; job_id: string; line_number: number; ts: string }[]>`
      select id::text, job_id, line_number, to_jsonb("timestamp") #>> '{}' as ts
      from jobs.logs where "timestamp" >= ${since} order by id limit ${maxRows}`;
    return [
      ...jobs.map(
        (job): ChangeNotification => ({
          schema: "jobs",
          table: "queue",
          type: job.created ? "INSERT" : "UPDATE",
          id: job.id,
          ts: job.ts,
          status: job.status,
          oldStatus: null,
          namespace: job.namespace,
          createdBy: job.created_by,
          jobName: job.job_name,
        }),
      ),
      ...lines.map(
        (line): ChangeNotification => ({
          schema: "jobs",
          table: "logs",
          type: "INSERT",
          id: Number(line.id),
          ts: line.ts,
          jobId: line.job_id,
          lineNumber: line.line_number,
        }),
      ),
    ];
  });
}

/** Keys of changes already delivered, so a resync does not repeat them (bounded, oldest forgotten first). */
export class RecentChanges {
  readonly #keys = new Set<string>();
  constructor(private readonly capacity = 20_000) {}

  static key(change: ChangeNotification): string {
    return change.table === "logs"
      ? `${change.schema}.logs:${change.id}`
      : `${change.schema}.${change.table}:${change.id}:${Date.parse(change.ts)}`;
  }

  /** False when the change was seen before. */
  add(change: ChangeNotification): boolean {
    const key = RecentChanges.key(change);
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    if (this.#keys.size > this.capacity) this.#keys.delete(this.#keys.values().next().value!);
    return true;
  }
}
