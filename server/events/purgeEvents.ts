/** Deletes a batch of events older than an age that no job refers to any more (the retention sweep's). */
import type { Sql, Tx } from "../db/createSql.ts";

export async function purgeEvents(tx: Tx | Sql, olderThanMs: number, batchSize: number): Promise<number> {
  const rows = await tx`
    with doomed as (
      select e.id from jobs.events e
      where e.created_at < now() - make_interval(secs => ${olderThanMs / 1000})
        and not exists (select 1 from jobs.queue q where q.event_id = e.id)
      order by e.created_at
      limit ${batchSize}
      for update skip locked
    )
    delete from jobs.events e using doomed where e.id = doomed.id`;
  return rows.count;
}
