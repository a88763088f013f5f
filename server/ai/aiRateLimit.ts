/**
 * FLUXBASE_AI_REQUESTS_PER_MINUTE: each caller's requests in the current minute (a fixed window of
 * the database's clock), counted in `jobs.ai_rate_windows` so every process shares the count.
 */
import type { Sql } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";

export interface RateDecision {
  allowed: boolean;
  /** Milliseconds until the window ends. */
  retryAfterMs: number;
}

/** Counts one request of `userKey` unless `limit` are already counted in this minute. */
export async function takeAiRequest(sql: Sql, userKey: string, limit: number): Promise<RateDecision> {
  const [row] = await asService(
    sql,
    (tx) => tx<{ allowed: boolean; retry_after_ms: number }[]>`
      with taken as (
        insert into jobs.ai_rate_windows as w (user_key, window_start, requests)
        values (${userKey}, date_trunc('minute', now()), 1)
        on conflict (user_key, window_start) do update set requests = w.requests + 1
          where w.requests < ${limit}
        returning 1
      ), swept as (
        delete from jobs.ai_rate_windows where window_start < now() - interval '10 minutes'
      )
      select exists (select 1 from taken) as allowed,
        ceil(extract(epoch from (date_trunc('minute', now()) + interval '1 minute' - now())) * 1000)::int
          as retry_after_ms`,
  );
  return { allowed: row!.allowed, retryAfterMs: row!.retry_after_ms };
}
