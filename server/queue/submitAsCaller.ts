/**
 * A submit as the caller, in one round trip when it can be: SubmitBatcher puts it in a transaction
 * shared with the other submits of the same event-loop turn — the caller's role and claims, then one
 * insert shared with the same caller's submits — pipelined with BEGIN and COMMIT. The statement
 * looks the function up, checks it (enabled, the caller's role, the option limits) and inserts the
 * job, and RLS still decides the insert. Anything that statement does not insert — a refused check,
 * a conflict on an idempotency, overlap or dedupe key, a job started by an event — goes the long way
 * (submitJob), which gives the answer (the error, the earlier job) exactly as before.
 */
import type { Identity } from "../auth/identity.ts";
import type { Sql } from "../db/createSql.ts";
import { withClaims } from "../db/withClaims.ts";
import { SubmitBatcher } from "./submitBatch.ts";
import { type SubmitJobInput, type SubmitJobResult, submitJob } from "./submitJob.ts";

const batchers = new WeakMap<Sql, SubmitBatcher>();

export async function submitAsCaller(
  sql: Sql,
  identity: Identity,
  input: SubmitJobInput,
): Promise<SubmitJobResult> {
  if (input.event === undefined) {
    let batcher = batchers.get(sql);
    if (!batcher) {
      batcher = new SubmitBatcher(sql);
      batchers.set(sql, batcher);
    }
    const job = await batcher.submit(identity, input);
    if (job) return { job, created: true };
  }
  return withClaims(sql, identity, (tx) => submitJob(tx, identity, input));
}
