/**
 * The tables realtime serves and, for each, how a changed row is read (under the caller's claims, so
 * row-level security decides), which columns never leave the server, what `old` holds, and how a
 * deleted row is rebuilt for the DELETE visibility check (see deleteVisibility.ts).
 */

import type { ChangeNotification } from "../db/changeNotification.ts";
import type { Tx } from "../db/createSql.ts";
import { hiddenJobColumns } from "../queue/jobRow.ts";

export type Row = Record<string, unknown>;

export interface TableSpec {
  schema: string;
  table: string;
  /** "schema.table" */
  key: string;
  /** Never sent, never filterable: a filter on them would be an oracle for their value. */
  hidden: ReadonlySet<string>;
  /** The row as the transaction's role and claims may see it; null when RLS hides it or it is gone. */
  read(tx: Tx, id: string | number): Promise<Row | null>;
  /** What `old` holds for UPDATE and DELETE: all the NOTIFY tells about the previous row. */
  oldRecord(change: ChangeNotification): Row;
  /**
   * Re-inserts the deleted row from what the NOTIFY carried, inside a transaction that is always
   * rolled back. Null: DELETEs of this table are never delivered.
   */
  insertGhost: ((tx: Tx, change: ChangeNotification) => Promise<void>) | null;
}

function strip(row: Row | undefined, hidden: ReadonlySet<string>): Row | null {
  if (!row) return null;
  for (const column of hidden) delete row[column];
  return row;
}

const queueHidden: ReadonlySet<string> = new Set(hiddenJobColumns);
const queueReadSql = `select to_jsonb(t)${hiddenJobColumns.map((column) => ` - '${column}'`).join("")} as row from jobs.queue t where t.id = $1`;
const none = new Set<string>();

const queue: TableSpec = {
  schema: "jobs",
  table: "queue",
  key: "jobs.queue",
  hidden: queueHidden,
  async read(tx, id) {
    const [found] = await tx.unsafe<{ row: Row }[]>(queueReadSql, [id]);
    return strip(found?.row, queueHidden);
  },
  oldRecord: (change) =>
    change.type === "DELETE"
      ? {
          id: change.id,
          status: change.status,
          namespace: change.namespace,
          created_by: change.createdBy,
          job_name: change.jobName,
        }
      : change.oldStatus == null // a replayed change (resync.ts) does not know the old status
        ? { id: change.id }
        : { id: change.id, status: change.oldStatus },
  async insertGhost(tx, change) {
    // Only what the NOTIFY carried; other columns take their defaults. ON CONFLICT: the id came back
    // (re-inserted meanwhile), and the visibility check then reads that row, which is just as right.
    await tx`
      insert into jobs.queue (id, job_name, status, namespace, created_by)
      values (${change.id}, ${change.jobName ?? ""}, ${change.status ?? "pending"},
              ${change.namespace ?? "default"}, ${change.createdBy ?? null})
      on conflict (id) do nothing`;
  },
};

const logs: TableSpec = {
  schema: "jobs",
  table: "logs",
  key: "jobs.logs",
  hidden: none,
  async read(tx, id) {
    const [found] = await tx<{ row: Row }[]>`select to_jsonb(t) as row from jobs.logs t where t.id = ${id}`;
    return found?.row ?? null;
  },
  oldRecord: (change) => ({ id: change.id }),
  // Log lines are only ever inserted (they go with their job through ON DELETE CASCADE, which the
  // job's own DELETE already announces), and a line cannot be rebuilt without its job.
  insertGhost: null,
};

const workers: TableSpec = {
  schema: "jobs",
  table: "workers",
  key: "jobs.workers",
  hidden: none,
  async read(tx, id) {
    const [found] = await tx<
      { row: Row }[]
    >`select to_jsonb(t) as row from jobs.workers t where t.id = ${id}`;
    return found?.row ?? null;
  },
  oldRecord: (change) => ({ id: change.id }),
  async insertGhost(tx, change) {
    await tx`
      insert into jobs.workers (id, name, hostname, pid, max_concurrent_jobs)
      values (${change.id}, '', '', 0, 0)
      on conflict (id) do nothing`;
  },
};

export const tableSpecs: readonly TableSpec[] = [queue, logs, workers];

export function findTable(schema: string, table: string): TableSpec | undefined {
  return tableSpecs.find((spec) => spec.schema === schema && spec.table === table);
}
