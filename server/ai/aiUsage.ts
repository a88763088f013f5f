/**
 * A job's AI usage on `jobs.queue.ai_usage` (migration 0022): totals over all attempts, and the
 * tokens of the latest attempt, which its budget (FLUXBASE_AI_MAX_TOKENS_PER_JOB) is checked against.
 */
import type { Sql } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import type { AiUsage } from "./types.ts";

/** Tokens the job's current attempt has used; undefined when the job does not exist. */
export async function runTokensUsed(sql: Sql, jobId: string): Promise<number | undefined> {
  const [row] = await asService(
    sql,
    (tx) => tx<{ used: number }[]>`
      select case when (ai_usage ->> 'run_attempt')::int = attempt
                  then coalesce((ai_usage ->> 'run_total_tokens')::int, 0) else 0 end as used
      from jobs.queue where id = ${jobId}`,
  );
  return row?.used;
}

/** Adds one call's usage to the job (a call that failed at the provider counts as a request only). */
export async function recordAiUsage(sql: Sql, jobId: string, usage: AiUsage): Promise<void> {
  await asService(
    sql,
    (tx) => tx`
      update jobs.queue set ai_usage = jsonb_build_object(
        'requests', coalesce((ai_usage ->> 'requests')::int, 0) + 1,
        'prompt_tokens', coalesce((ai_usage ->> 'prompt_tokens')::int, 0) + ${usage.prompt_tokens}::int,
        'completion_tokens', coalesce((ai_usage ->> 'completion_tokens')::int, 0) + ${usage.completion_tokens}::int,
        'total_tokens', coalesce((ai_usage ->> 'total_tokens')::int, 0) + ${usage.total_tokens}::int,
        'run_attempt', attempt,
        'run_total_tokens', ${usage.total_tokens}::int + case when (ai_usage ->> 'run_attempt')::int = attempt
          then coalesce((ai_usage ->> 'run_total_tokens')::int, 0) else 0 end)
      where id = ${jobId}`,
  );
}
