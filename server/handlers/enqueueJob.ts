/**
 * `enqueue(name, payload, options)` for application code and handlers: the same submit as
 * `POST /api/v1/jobs/submit`, as the service role (or for a user), on the given transaction when
 * there is one, so the job exists only if that transaction commits.
 */
import type { Identity } from "../auth/identity.ts";
import { resolveRole } from "../auth/roles.ts";
import type { NotifyConfig } from "../config/types.ts";
import type { Sql, Tx } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import { assertCanNotify } from "../notify/assertCanNotify.ts";
import { submitJob } from "../queue/submitJob.ts";
import { submitOptions } from "../queue/submitOptions.ts";
import { validate } from "../validation.ts";
import type { HandlerRegistry } from "./handlerRegistry.ts";
import type { EnqueuedJob, EnqueueOptions } from "./types.ts";

export const serviceCaller: Identity = {
  dbRole: "service_role",
  claims: { role: "service_role" },
  role: resolveRole("service_role"),
  userId: null,
  email: null,
  token: "",
  expiresAt: 0,
};

export function createEnqueue(sql: Sql, registry: HandlerRegistry, notify: Pick<NotifyConfig, "smtpUrl">) {
  return async function enqueue(
    name: string,
    payload: Record<string, unknown> = {},
    options: EnqueueOptions = {},
  ): Promise<EnqueuedJob> {
    const namespace = options.namespace ?? "default";
    registry.checkPayload(namespace, name, payload);
    if (options.notify) assertCanNotify(notify, options.onBehalfOf?.email);
    const chosen = validate(
      submitOptions,
      {
        priority: options.priority,
        max_retries: options.maxRetries,
        timeout: options.timeout,
        backoff: options.backoff && { base_ms: options.backoff.baseMs, max_ms: options.backoff.maxMs },
        delay: options.delay,
        dedupe_key: options.dedupeKey,
        dedupe: options.dedupe,
        scheduled_at:
          options.scheduledAt instanceof Date ? options.scheduledAt.toISOString() : options.scheduledAt,
      },
      "enqueue options",
    );
    const input = {
      ...chosen,
      job_name: name,
      namespace,
      payload,
      idempotency_key: options.idempotencyKey,
      notify: options.notify,
      on_behalf_of: options.onBehalfOf && {
        user_id: options.onBehalfOf.userId,
        user_email: options.onBehalfOf.email,
        user_role: options.onBehalfOf.role,
        tenant: options.onBehalfOf.tenant,
      },
    };
    const submit = (tx: Tx) => submitJob(tx, serviceCaller, input);
    const { job, created } = options.sql ? await submit(options.sql as Tx) : await asService(sql, submit);
    return { id: job.id, job_name: job.job_name, namespace: job.namespace, status: job.status, created };
  };
}
