/**
 * One action on many jobs (the admin bulk route): set-based statements run as the caller, so RLS
 * decides as it does for one job. Each id gets an outcome: done, or skipped with the reason.
 */
import type { Tx } from "../db/createSql.ts";

export type BulkAction = "retry" | "cancel" | "delete";

export interface BulkFilter {
  status?: string[];
  job_name?: string;
  namespace?: string;
  created_after?: string;
  created_before?: string;
}

export interface BulkOutcome {
  id: string;
  outcome: "retried" | "cancelled" | "deleted" | "skipped";
  /** Why it was skipped: `not found` or the status that does not allow the action. */
  reason?: string;
}

const done = { retry: "retried", cancel: "cancelled", delete: "deleted" } as const;
/** Which statuses each action applies to; a running job is never deleted under its worker. */
const allowed: Record<BulkAction, string[]> = {
  retry: ["failed"],
  cancel: ["pending", "running"],
  delete: ["pending", "completed", "failed", "cancelled"],
};

/** The ids of jobs matching the filter, oldest first, at most `limit`. */
export async function selectJobIds(tx: Tx, filter: BulkFilter, limit: number): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    select id from jobs.queue where true
      ${filter.status ? tx`and status = any(${filter.status}::text[])` : tx``}
      ${filter.job_name ? tx`and job_name = ${filter.job_name}` : tx``}
      ${filter.namespace ? tx`and namespace = ${filter.namespace}` : tx``}
      ${filter.created_after ? tx`and created_at >= ${filter.created_after}::timestamptz` : tx``}
      ${filter.created_before ? tx`and created_at < ${filter.created_before}::timestamptz` : tx``}
    order by created_at, id limit ${limit}`;
  return rows.map((row) => row.id);
}

export async function bulkAction(tx: Tx, action: BulkAction, ids: string[]): Promise<BulkOutcome[]> {
  const before = await tx<{ id: string; status: string }[]>`
    select id, status from jobs.queue where id = any(${ids}::uuid[])`;
  const status = new Map(before.map((row) => [row.id, row.status]));
  const eligible = ids.filter((id) => allowed[action].includes(status.get(id) ?? ""));
  let acted: { id: string }[] = [];
  if (eligible.length > 0) {
    if (action === "retry") {
      acted = await tx`select r.id from unnest(${eligible}::uuid[]) as e(id), lateral jobs.retry_job(e.id) r`;
    } else if (action === "cancel") {
      acted = await tx`
        update jobs.queue set status = 'cancelled', cancel_mode = 'cancel'
        where id = any(${eligible}::uuid[]) and status in ('pending', 'running') returning id`;
    } else {
      acted = await tx`
        delete from jobs.queue where id = any(${eligible}::uuid[]) and status <> 'running' returning id`;
    }
  }
  const actedIds = new Set(acted.map((row) => row.id));
  return ids.map((id) => {
    if (actedIds.has(id)) return { id, outcome: done[action] };
    const current = status.get(id);
    return { id, outcome: "skipped", reason: current === undefined ? "not found" : `status ${current}` };
  });
}
