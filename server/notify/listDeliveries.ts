/** A subscription's deliveries, newest first, each with every attempt (status, duration, error, next retry). */
import type { Tx } from "../db/createSql.ts";

export interface DeliveryAttempt {
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  next_retry_at: Date | null;
  attempted_at: Date;
}

export interface DeliveryRow {
  id: string;
  event: string;
  job_id: string;
  state: "pending" | "delivered" | "failed" | "skipped";
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
  attempt_log: DeliveryAttempt[];
}

export function listDeliveries(
  tx: Tx,
  webhookId: string,
  limit: number,
  offset: number,
): Promise<DeliveryRow[]> {
  return tx<DeliveryRow[]>`
    select n.id, n.event, n.job_id, n.state, n.attempts,
      case when n.state = 'pending' then n.next_attempt_at end as next_attempt_at,
      n.last_status_code, n.last_error, n.created_at, n.finished_at,
      coalesce((
        select jsonb_agg(jsonb_build_object('attempt', a.attempt, 'status_code', a.status_code,
          'duration_ms', a.duration_ms, 'error', a.error, 'next_retry_at', a.next_retry_at,
          'attempted_at', a.attempted_at) order by a.id)
        from jobs.notification_attempts a where a.notification_id = n.id), '[]'::jsonb) as attempt_log
    from jobs.notifications n
    where n.webhook_id = ${webhookId}
    order by n.created_at desc, n.id
    limit ${limit} offset ${offset}`;
}
