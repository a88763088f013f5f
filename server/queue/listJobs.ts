/** Lists jobs visible to the caller (RLS decides), newest first, with the total for paging. */
import type { Tx } from "../db/createSql.ts";
import { type JobRow, type JobStatus, jobColumns, jobColumnsWithResult } from "./jobRow.ts";

export interface ListJobsFilter {
  status?: JobStatus;
  job_name?: string;
  namespace?: string;
  worker_id?: string;
  created_by?: string;
  /** Only jobs owned by this user (null: jobs submitted without a user, e.g. by the service role). */
  owner?: string | null;
  limit: number;
  offset: number;
  include_result: boolean;
}

export interface JobPage {
  jobs: JobRow[];
  limit: number;
  offset: number;
  total: number;
}

export async function listJobs(tx: Tx, filter: ListJobsFilter): Promise<JobPage> {
  const where = tx`
    where true
    ${filter.status ? tx`and status = ${filter.status}` : tx``}
    ${filter.job_name ? tx`and job_name = ${filter.job_name}` : tx``}
    ${filter.namespace ? tx`and namespace = ${filter.namespace}` : tx``}
    ${filter.worker_id ? tx`and worker_id = ${filter.worker_id}` : tx``}
    ${filter.created_by ? tx`and created_by = ${filter.created_by}` : tx``}
    ${filter.owner !== undefined ? tx`and created_by is not distinct from ${filter.owner}::uuid` : tx``}`;
  const columns = filter.include_result ? jobColumnsWithResult : jobColumns;
  const jobs = await tx<JobRow[]>`
    select ${tx(columns)} from jobs.queue ${where}
    order by created_at desc, id desc
    limit ${filter.limit} offset ${filter.offset}`;
  const [{ total }] = await tx<{ total: number }[]>`select count(*)::int as total from jobs.queue ${where}`;
  return { jobs, limit: filter.limit, offset: filter.offset, total };
}
