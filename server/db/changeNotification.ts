/**
 * The NOTIFY payload on the changes channel: ids only, never row contents, so every subscriber's
 * copy of the row is read under its own claims. One message per row change (`jobs.notify_change()`,
 * migration 0003, for logs and workers), or a JSON array of them for the queue, whose triggers
 * notify once per statement in chunks under the 8000-byte limit (migration 0017). The one
 * parser of it, used by realtime and by the worker pool (which wakes on `pending` and checks its own
 * runs on `cancelled`): a payload change that this parser no longer accepts fails the tests instead
 * of silently leaving the workers to the poll.
 */

export type ChangeType = "INSERT" | "UPDATE" | "DELETE";

export interface ChangeNotification {
  schema: string;
  table: string;
  type: ChangeType;
  /** uuid for jobs.queue and jobs.workers, a number for jobs.logs. */
  id: string | number;
  /** The writing transaction's now(), ISO 8601. */
  ts: string;
  /** jobs.queue only. */
  status?: string | null;
  oldStatus?: string | null;
  namespace?: string | null;
  createdBy?: string | null;
  jobName?: string | null;
  /** jobs.logs only. */
  jobId?: string | null;
  lineNumber?: number | null;
}

const types: ReadonlySet<string> = new Set(["INSERT", "UPDATE", "DELETE"]);
const str = (v: unknown) => (typeof v === "string" ? v : null);

/** The changes a payload announces; empty when it is not one this server understands. */
export function parseNotifications(text: string): ChangeNotification[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return [];
  }
  const messages = Array.isArray(raw) ? raw : [raw];
  const changes: ChangeNotification[] = [];
  for (const message of messages) {
    const change = parseMessage(message);
    if (change) changes.push(change);
  }
  return changes;
}

function parseMessage(raw: unknown): ChangeNotification | null {
  if (typeof raw !== "object" || raw === null) return null;
  const o = raw as Record<string, unknown>;
  if (typeof o.schema !== "string" || typeof o.table !== "string" || typeof o.ts !== "string") return null;
  if (typeof o.type !== "string" || !types.has(o.type)) return null;
  if (typeof o.id !== "string" && typeof o.id !== "number") return null;
  return {
    schema: o.schema,
    table: o.table,
    type: o.type as ChangeType,
    id: o.id,
    ts: o.ts,
    status: str(o.status),
    oldStatus: str(o.old_status),
    namespace: str(o.namespace),
    createdBy: str(o.created_by),
    jobName: str(o.job_name),
    jobId: str(o.job_id),
    lineNumber: typeof o.line_number === "number" ? o.line_number : null,
  };
}
