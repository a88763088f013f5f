/** Lists jobs visible to the caller (RLS decides), newest (or oldest) first, with the total for paging. */
import type { Tx } from "../db/createSql.ts";
import { type JobRow, type JobStatus, type JobTrigger, jobColumns, jobColumnsWithResult } from "./jobRow.ts";

export interface ListJobsFilter {
  status?: JobStatus;
  job_name?: string;
  namespace?: string;
  worker_id?: string;
  created_by?: string;
  /** Jobs whose submitter's email starts with this, case-insensitive. */
  user_email?: string;
  /** Only jobs owned by this user (null: jobs submitted without a user, e.g. by the service role). */
  owner?: string | null;
  trigger?: JobTrigger;
  created_after?: string;
  created_before?: string;
  /** `oldest`: oldest first (and a cursor pages forward in time). @default "newest" */
  order?: "newest" | "oldest";
  /** Keyset paging: only jobs after this one in the order, instead of an offset. */
  cursor?: { created_at: string; id: string };
  limit: number;
  offset: number;
  include_result: boolean;
}

export interface JobPage {
  jobs: JobRow[];
  limit: number;
  offset: number;
  /** Every job the filter matches (cursor aside). */
  total: number;
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export async function listJobs(tx: Tx, filter: ListJobsFilter): Promise<JobPage> {
  const where = tx`
    where true
    ${filter.status ? tx`and status = ${filter.status}` : tx``}
    ${filter.job_name ? tx`and job_name = ${filter.job_name}` : tx``}
    ${filter.namespace ? tx`and namespace = ${filter.namespace}` : tx``}
    ${filter.worker_id ? tx`and worker_id = ${filter.worker_id}` : tx``}
    ${filter.created_by ? tx`and created_by = ${filter.created_by}` : tx``}
    ${filter.user_email ? tx`and user_email ilike ${`${filter.user_email.replace(/[\\%_]/g, "\\$&")}%`}` : tx``}
    ${filter.owner !== undefined ? tx`and created_by is not distinct from ${filter.owner}::uuid` : tx``}
    ${filter.trigger ? tx`and trigger = ${filter.trigger}` : tx``}
    ${filter.created_after ? tx`and created_at >= ${filter.created_after}::timestamptz` : tx``}
    ${filter.created_before ? tx`and created_at < ${filter.created_before}::timestamptz` : tx``}`;
  const oldestFirst = filter.order === "oldest";
  // Through text: a timestamptz parameter would be sent as a JavaScript Date, losing microseconds.
  const cursor =
    filter.cursor && tx`(${filter.cursor.created_at}::text::timestamptz, ${filter.cursor.id}::uuid)`;
  const after = !cursor
    ? tx``
    : oldestFirst
      ? tx`and (created_at, id) > ${cursor}`
      : tx`and (created_at, id) < ${cursor}`;
  const columns = filter.include_result ? jobColumnsWithResult : jobColumns;
  const jobs = await tx<JobRow[]>`
    select ${tx(columns)} from jobs.queue ${where} ${after}
    order by ${oldestFirst ? tx`created_at asc, id asc` : tx`created_at desc, id desc`}
    limit ${filter.limit} offset ${filter.offset}`;
  const [{ total }] = await tx<{ total: number }[]>`select count(*)::int as total from jobs.queue ${where}`;
  let next_cursor: string | null = null;
  const last = jobs.at(-1);
  if (last && jobs.length === filter.limit) {
    // Postgres's own text of the timestamp: a JavaScript Date would lose its microseconds.
    const [row] = await tx<
      { ts: string }[]
    >`select created_at::text as ts from jobs.queue where id = ${last.id}`;
    next_cursor = Buffer.from(`${row!.ts}|${last.id}`).toString("base64url");
  }
  return { jobs, limit: filter.limit, offset: filter.offset, total, next_cursor };
}
