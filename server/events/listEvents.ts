/** Emitted events, newest first, each with the jobs it started (RLS: admins see all, users their own). */
import type { Tx } from "../db/createSql.ts";

export interface EventRow {
  id: string;
  name: string;
  payload: unknown;
  source: "api" | "table";
  emitted_by: string | null;
  emitter_role: string | null;
  created_at: Date;
  jobs: { id: string; job_name: string; namespace: string; status: string }[];
}

export async function listEvents(
  tx: Tx,
  filter: { name?: string; limit: number; before?: string; emittedBy?: string | null },
): Promise<EventRow[]> {
  return tx<EventRow[]>`
    select e.id, e.name, e.payload, e.source, e.emitted_by, e.emitter_role, e.created_at,
      coalesce((select jsonb_agg(jsonb_build_object('id', q.id, 'job_name', q.job_name, 'namespace', q.namespace,
        'status', q.status) order by q.job_name) from jobs.queue q where q.event_id = e.id), '[]'::jsonb) as jobs
    from jobs.events e
    where ${filter.name === undefined ? tx`true` : tx`e.name = ${filter.name}`}
      and ${filter.emittedBy === undefined ? tx`true` : tx`e.emitted_by is not distinct from ${filter.emittedBy}::uuid`}
      and ${filter.before === undefined ? tx`true` : tx`e.created_at < ${filter.before}::text::timestamptz`}
    order by e.created_at desc, e.id
    limit ${filter.limit}`;
}
