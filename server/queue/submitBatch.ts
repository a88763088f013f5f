/**
 * Submits that arrive in the same event-loop turn share one transaction, one round trip and one
 * commit (queryAsAll), and those with the same credentials share one insert statement. Each
 * statement runs as its own caller, so row-level security checks every row against its submitter's
 * claims. A transaction per job costs Postgres about four times the CPU of a row in a batch of
 * eight, and a statement per job in one transaction about two and a half times: this is what lets
 * the HTTP API keep up with many clients.
 *
 * A row a statement does not insert (a refused check, a key that met another job) is answered with
 * `undefined` and its caller takes the long way, as a lone submit does. If Postgres refuses any
 * statement, nothing of the transaction was written, and every submit in it takes the long way,
 * where each meets its own answer: one bad submit never fails the others.
 */
import { randomUUID } from "node:crypto";
import type { Identity } from "../auth/identity.ts";
import { rolesMet } from "../auth/roles.ts";
import type { Sql } from "../db/createSql.ts";
import { isPgError } from "../db/pgErrors.ts";
import { queryAsAll } from "../db/withClaims.ts";
import { type JobRow, jobColumnsWithResult } from "./jobRow.ts";
import { resolveOwner, type SubmitJobInput } from "./submitJob.ts";

/** At most this many jobs, and this many characters of payload, in one transaction. */
const maxRows = 64;
const maxPayloadChars = 1_000_000;

const columns = jobColumnsWithResult.join(", ");

// The driver declares a JavaScript array of booleans as one boolean parameter, so those two columns
// travel as text ("true" or "false") and are cast in the statement.

const insertText = `
  with r as (
    select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[],
      $8::text[], $9::uuid[], $10::text[], $11::text[], $12::text[], $13::float8[], $14::text[],
      $15::int[], $16::int[], $17::text[], $18::text[], $19::text[]) with ordinality
      as r(id, namespace, job_name, payload, priority, max_retries, timeout, idempotency_key, created_by,
        user_email, user_role, scheduled_at, delay, notify, backoff_base_ms, backoff_max_ms, has_tenant,
        tenant, dedupe_key, n)
  )
  insert into jobs.queue (id, namespace, function_id, job_name, payload, priority, max_retries,
    timeout_seconds, progress_timeout_seconds, idempotency_key, created_by, user_email, user_role,
    scheduled_at, notify, backoff_base_ms, backoff_max_ms, tenant, overlap_key, trigger)
  select r.id, r.namespace, fn.id, r.job_name, r.payload::jsonb, r.priority,
    coalesce(r.max_retries, fn.max_retries), coalesce(r.timeout, fn.timeout_seconds),
    fn.progress_timeout_seconds, r.idempotency_key, r.created_by, r.user_email, r.user_role,
    case when r.scheduled_at is not null then r.scheduled_at::timestamptz
         when r.delay is not null then now() + make_interval(secs => r.delay) end,
    r.notify::boolean, r.backoff_base_ms, r.backoff_max_ms,
    case when r.has_tenant::boolean then r.tenant else toggles.current_tenant() end, r.dedupe_key, 'adhoc'
  from r join jobs.functions fn on fn.namespace = r.namespace and fn.name = r.job_name
  where fn.enabled
    and ($20::boolean or cardinality(fn.require_roles) = 0
         or fn.require_roles && array(select jsonb_array_elements_text($21::text::jsonb)))
    and (r.max_retries is null or r.max_retries <= fn.max_retries)
    and (r.timeout is null or r.timeout <= fn.timeout_seconds)
  order by r.n
  on conflict do nothing
  returning ${columns}`;

interface QueuedSubmit {
  id: string;
  input: SubmitJobInput;
  owner: ReturnType<typeof resolveOwner>;
  payload: string;
  done: (job: JobRow | undefined) => void;
  fail: (error: unknown) => void;
}

/** One caller's submits in a transaction: one statement. */
interface Part {
  batch: Batch;
  submits: QueuedSubmit[];
}

interface Batch {
  identity: Identity;
  /** Whether the caller meets every function's roles, or the roles it has. */
  roles: "all" | string[];
  submits: QueuedSubmit[];
}

export class SubmitBatcher {
  readonly #sql: Sql;
  #batches = new Map<string, Batch>();

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** The inserted job, or `undefined` when this statement did not insert it (take the long way). */
  submit(identity: Identity, input: SubmitJobInput): Promise<JobRow | undefined> {
    const owner = resolveOwner(identity, input);
    const roles = rolesMet(identity.role);
    const key = `${identity.dbRole}\n${JSON.stringify(identity.claims)}\n${JSON.stringify(roles)}`;
    let batch = this.#batches.get(key);
    if (!batch) {
      if (this.#batches.size === 0) setImmediate(() => this.#flush());
      batch = { identity, roles, submits: [] };
      this.#batches.set(key, batch);
    }
    const submits = batch.submits;
    return new Promise((done, fail) => {
      submits.push({ id: randomUUID(), input, owner, payload: JSON.stringify(input.payload), done, fail });
    });
  }

  #flush(): void {
    const batches = [...this.#batches.values()];
    this.#batches.clear();
    let parts: Part[] = [];
    let rows = 0;
    let chars = 0;
    for (const batch of batches) {
      let part: Part | undefined;
      for (const submit of batch.submits) {
        if (rows === maxRows || (rows > 0 && chars + submit.payload.length > maxPayloadChars)) {
          void this.#insert(parts);
          parts = [];
          part = undefined;
          rows = 0;
          chars = 0;
        }
        if (!part) {
          part = { batch, submits: [] };
          parts.push(part);
        }
        part.submits.push(submit);
        rows++;
        chars += submit.payload.length;
      }
    }
    void this.#insert(parts);
  }

  async #insert(parts: Part[]): Promise<void> {
    let results: JobRow[][];
    try {
      results = await queryAsAll<JobRow>(
        this.#sql,
        parts.map((part) => ({
          identity: part.batch.identity,
          text: insertText,
          params: statementParams(part.batch, part.submits),
        })),
      );
    } catch (error) {
      // Postgres refused a statement, so the transaction wrote nothing: each submit finds its own
      // answer. Anything else (the connection lost) may have come after the commit: reported as is.
      for (const part of parts) {
        for (const submit of part.submits) {
          if (isPgError(error)) submit.done(undefined);
          else submit.fail(error);
        }
      }
      return;
    }
    for (const [i, part] of parts.entries()) {
      const byId = new Map(results[i]!.map((row) => [row.id, row]));
      for (const submit of part.submits) submit.done(byId.get(submit.id));
    }
  }
}

function statementParams(batch: Batch, submits: QueuedSubmit[]): unknown[] {
  const column = <T>(pick: (submit: QueuedSubmit) => T) => submits.map(pick);
  return [
    column((s) => s.id),
    column((s) => s.input.namespace),
    column((s) => s.input.job_name),
    column((s) => s.payload),
    column((s) => s.input.priority),
    column((s) => s.input.max_retries ?? null),
    column((s) => s.input.timeout ?? null),
    column((s) => s.input.idempotency_key ?? null),
    column((s) => s.owner.created_by),
    column((s) => s.owner.user_email),
    column((s) => s.owner.user_role),
    column((s) => s.input.scheduled_at ?? null),
    column((s) => (s.input.delay ?? s.input.delay_seconds) || null),
    column((s) => String(s.input.notify ?? false)),
    column((s) => s.input.backoff?.base_ms ?? null),
    column((s) => s.input.backoff?.max_ms ?? null),
    column((s) => String(s.input.on_behalf_of?.tenant !== undefined)),
    column((s) => s.input.on_behalf_of?.tenant ?? null),
    column((s) => s.input.dedupe_key ?? null),
    batch.roles === "all",
    JSON.stringify(batch.roles === "all" ? [] : batch.roles),
  ];
}
