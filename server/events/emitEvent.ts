/**
 * An emit: records the event and submits one job per function subscribed to its name that the
 * emitter may start (the function's on-role, else its require-role), all in the caller's
 * transaction, so the event and its jobs commit together or not at all. A subscriber whose
 * overlap policy refuses the job is skipped and reported; anything else refused fails the emit.
 */
import { type Identity, isService } from "../auth/identity.ts";
import { satisfiesRoles } from "../auth/roles.ts";
import type { Tx } from "../db/createSql.ts";
import { badRequest, forbidden, HttpError } from "../errors.ts";
import { EVENT_NAME } from "../functions/eventSubscription.ts";
import { submitJob } from "../queue/submitJob.ts";

export interface EmittedEvent {
  event: { id: string; name: string; created_at: Date };
  jobs: { id: string; job_name: string; namespace: string; status: string }[];
  /** Subscribers that started nothing, and why (their overlap policy). */
  skipped: { job_name: string; namespace: string; code: string; existing_run_id?: string }[];
}

interface Subscriber {
  id: string;
  namespace: string;
  name: string;
  on_roles: string[] | null;
  require_roles: string[];
}

export interface EmitOptions {
  /** Checks a trusted handler's payload schema (the registry's checkPayload). */
  checkPayload?: (namespace: string, name: string, payload: Record<string, unknown>) => unknown;
}

export async function emitEvent(
  tx: Tx,
  identity: Identity,
  name: string,
  payload: Record<string, unknown>,
  options: EmitOptions = {},
): Promise<EmittedEvent> {
  if (!EVENT_NAME.test(name)) {
    throw badRequest("INVALID_EVENT_NAME", "An event name is letters, digits and _ . : / - (at most 128)", {
      name,
    });
  }
  const subscribers = await tx<Subscriber[]>`
    select id, namespace, name, on_roles, require_roles from jobs.functions
    where ${name} = any(on_events) and enabled
    order by namespace, name`;
  const allowed = subscribers.filter((fn) => satisfiesRoles(identity.role, fn.on_roles ?? fn.require_roles));
  if (subscribers.length > 0 && allowed.length === 0) {
    throw forbidden("EVENT_FORBIDDEN", `Your role may not start the jobs that listen to "${name}"`, {
      name,
      role: identity.role.claim,
    });
  }
  for (const fn of allowed) options.checkPayload?.(fn.namespace, fn.name, payload);
  const [event] = await tx<EmittedEvent["event"][]>`
    insert into jobs.events (name, payload, emitted_by, emitter_role)
    values (${name}, ${tx.json(payload as never)}, ${isService(identity) ? null : identity.userId},
      ${identity.role.claim})
    returning id, name, created_at`;
  const result: EmittedEvent = { event: event!, jobs: [], skipped: [] };
  for (const fn of allowed) {
    try {
      const { job } = await submitJob(tx, identity, {
        job_name: fn.name,
        namespace: fn.namespace,
        payload,
        priority: 0,
        event: { id: event!.id },
      });
      result.jobs.push({ id: job.id, job_name: job.job_name, namespace: job.namespace, status: job.status });
    } catch (error) {
      // The overlap refusal writes nothing and leaves the transaction usable.
      if (!(error instanceof HttpError) || error.code !== "JOB_ALREADY_ACTIVE") throw error;
      result.skipped.push({
        job_name: fn.name,
        namespace: fn.namespace,
        code: error.code,
        existing_run_id: error.context.existing_run_id as string | undefined,
      });
    }
  }
  return result;
}
