/**
 * A submit as the caller, in one round trip when it can be: BEGIN, the caller's role and claims, one
 * statement, and COMMIT, pipelined (queryAs). The statement looks the function up, checks it (enabled,
 * the caller's role, the option limits) and inserts the job, and RLS still decides the insert.
 * Anything that statement does not insert — a refused check, a conflict on an idempotency, overlap or
 * dedupe key, a job started by an event — goes the long way (submitJob), which gives the answer
 * (the error, the earlier job) exactly as before.
 */
import type { Identity } from "../auth/identity.ts";
import { rolesMet } from "../auth/roles.ts";
import type { Sql } from "../db/createSql.ts";
import { queryAs, withClaims } from "../db/withClaims.ts";
import { type JobRow, jobColumnsWithResult } from "./jobRow.ts";
import { resolveOwner, type SubmitJobInput, type SubmitJobResult, submitJob } from "./submitJob.ts";

const columns = jobColumnsWithResult.join(", ");

const insertText = `
  with fn as (
    select id, enabled, require_roles, max_retries, timeout_seconds, progress_timeout_seconds
      from jobs.functions where namespace = $1 and name = $2
  )
  insert into jobs.queue (namespace, function_id, job_name, payload, priority, max_retries, timeout_seconds,
    progress_timeout_seconds, idempotency_key, created_by, user_email, user_role, scheduled_at, notify,
    backoff_base_ms, backoff_max_ms, tenant, overlap_key, trigger)
  select $1, fn.id, $2, $3::text::jsonb, $4::int, coalesce($5::int, fn.max_retries),
    coalesce($6::int, fn.timeout_seconds), fn.progress_timeout_seconds, $7::text, $8::uuid, $9::text,
    $10::text,
    case when $11::text is not null then $11::text::timestamptz
         when $12::float8 is not null then now() + make_interval(secs => $12::float8) end,
    $13::boolean, $14::int, $15::int,
    case when $16::boolean then $17::text else toggles.current_tenant() end, $18::text, 'adhoc'
  from fn
  where fn.enabled
    and ($19::boolean or cardinality(fn.require_roles) = 0
         or fn.require_roles && array(select jsonb_array_elements_text($20::text::jsonb)))
    and ($5::int is null or $5::int <= fn.max_retries)
    and ($6::int is null or $6::int <= fn.timeout_seconds)
  on conflict do nothing
  returning ${columns}`;

export async function submitAsCaller(
  sql: Sql,
  identity: Identity,
  input: SubmitJobInput,
): Promise<SubmitJobResult> {
  if (input.event === undefined) {
    const owner = resolveOwner(identity, input);
    const met = rolesMet(identity.role);
    const delay = input.delay ?? input.delay_seconds;
    const tenant = input.on_behalf_of?.tenant;
    const [job] = await queryAs<JobRow>(
      sql,
      identity,
      insertText,
      [
        input.namespace,
        input.job_name,
        JSON.stringify(input.payload),
        input.priority,
        input.max_retries ?? null,
        input.timeout ?? null,
        input.idempotency_key ?? null,
        owner.created_by,
        owner.user_email,
        owner.user_role,
        input.scheduled_at ?? null,
        delay ? delay : null,
        input.notify ?? false,
        input.backoff?.base_ms ?? null,
        input.backoff?.max_ms ?? null,
        tenant !== undefined,
        tenant ?? null,
        input.dedupe_key ?? null,
        met === "all",
        JSON.stringify(met === "all" ? [] : met),
      ],
      { readOnly: false },
    );
    if (job) return { job, created: true };
  }
  return withClaims(sql, identity, (tx) => submitJob(tx, identity, input));
}
