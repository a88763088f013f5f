/**
 * Records one attempt and its consequence in one transaction: delivered, retried later with
 * backoff, or given up. For webhooks it also keeps the subscription's breaker: a 2xx resets it, a
 * 410 disables the subscription at once, BREAKER_FAILURES failed attempts in a row disable it.
 */
import type { Sql } from "../db/createSql.ts";

export const BREAKER_FAILURES = 5;

export interface AttemptOutcome {
  id: string;
  webhookId: string | null;
  attempt: number;
  ok: boolean;
  statusCode?: number;
  error?: string;
  durationMs: number;
  /** Milliseconds until the next try; undefined gives the notification up. */
  retryInMs?: number;
}

export async function finishNotification(sql: Sql, outcome: AttemptOutcome): Promise<void> {
  const retry = !outcome.ok && outcome.retryInMs !== undefined;
  const state = outcome.ok ? "delivered" : retry ? "pending" : "failed";
  const retryAt = retry ? sql`now() + make_interval(secs => ${outcome.retryInMs! / 1000})` : sql`null`;
  await sql.begin(async (tx) => {
    await tx`
      update jobs.notifications set state = ${state}, lease_until = null,
        next_attempt_at = coalesce(${retryAt}, next_attempt_at),
        last_status_code = ${outcome.statusCode ?? null}, last_error = ${outcome.error ?? null},
        finished_at = case when ${state} = 'pending' then null else now() end
      where id = ${outcome.id} and state = 'pending'`;
    await tx`
      insert into jobs.notification_attempts (notification_id, attempt, status_code, duration_ms, error, next_retry_at)
      values (${outcome.id}, ${outcome.attempt}, ${outcome.statusCode ?? null}, ${outcome.durationMs},
        ${outcome.error ?? null}, ${retryAt})`;
    if (!outcome.webhookId) return;
    if (outcome.ok) {
      await tx`update jobs.webhooks set consecutive_failures = 0 where id = ${outcome.webhookId}`;
    } else if (outcome.statusCode === 410) {
      await tx`
        update jobs.webhooks set enabled = false, updated_at = now(),
          consecutive_failures = consecutive_failures + 1,
          disabled_reason = 'the receiver answered 410 Gone'
        where id = ${outcome.webhookId}`;
    } else {
      await tx`
        update jobs.webhooks set consecutive_failures = consecutive_failures + 1,
          enabled = enabled and consecutive_failures + 1 < ${BREAKER_FAILURES},
          disabled_reason = case when enabled and consecutive_failures + 1 >= ${BREAKER_FAILURES}
            then ${`${BREAKER_FAILURES} failed attempts in a row`} else disabled_reason end,
          updated_at = now()
        where id = ${outcome.webhookId}`;
    }
  });
}

/** Marks a notification that nobody is configured to receive (an alert with no alert addresses). */
export async function skipNotification(sql: Sql, id: string, why: string): Promise<void> {
  await sql`
    update jobs.notifications set state = 'skipped', lease_until = null, last_error = ${why}, finished_at = now()
    where id = ${id}`;
}
