/**
 * Takes due notifications with a lease (FOR UPDATE SKIP LOCKED, so processes never take the same
 * row at once). A process that dies mid-delivery leaves the lease to run out; the row is then due
 * again and is delivered with the same id (at least once).
 */
import type { Sql } from "../db/createSql.ts";

export interface ClaimedNotification {
  id: string;
  channel: "webhook" | "mail";
  webhook_id: string | null;
  url: string | null;
  mail_kind: "notify" | "alert" | null;
  recipient: string | null;
  event: string;
  job_id: string;
  job: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

export async function claimNotifications(
  sql: Sql,
  limit: number,
  leaseMs: number,
): Promise<ClaimedNotification[]> {
  return sql<ClaimedNotification[]>`
    with due as (
      select n.id from jobs.notifications n
      left join jobs.webhooks w on w.id = n.webhook_id
      where n.state = 'pending' and n.next_attempt_at <= now()
        and (n.lease_until is null or n.lease_until < now())
        and (n.channel = 'mail' or w.enabled)
      order by n.next_attempt_at
      limit ${limit}
      for update of n skip locked)
    update jobs.notifications n
    set lease_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = n.attempts + 1
    from due
    where n.id = due.id
    returning n.id, n.channel, n.webhook_id, n.mail_kind, n.recipient, n.event, n.job_id, n.job, n.attempts,
      n.created_at, (select w.url from jobs.webhooks w where w.id = n.webhook_id) as url`;
}
