/** Reads one job as the caller; RLS makes another user's job indistinguishable from a missing one. */
import type { Sql, Tx } from "../db/createSql.ts";
import { type DbIdentity, queryAs } from "../db/withClaims.ts";
import { notFound } from "../errors.ts";
import { type JobRow, jobColumnsWithResult } from "./jobRow.ts";

export async function findJob(tx: Tx, id: string): Promise<JobRow | undefined> {
  const [row] = await tx<JobRow[]>`select ${tx(jobColumnsWithResult)} from jobs.queue where id = ${id}`;
  return row;
}

export async function getJob(tx: Tx, id: string): Promise<JobRow> {
  const row = await findJob(tx, id);
  if (!row) throw jobNotFound(id);
  return row;
}

export const jobNotFound = (id: string) => notFound("JOB_NOT_FOUND", `No job with id ${id}`, { job_id: id });

const readJobSql = `select ${jobColumnsWithResult.join(", ")} from jobs.queue where id = $1`;

/** getJob in one round trip (a single read-only statement as the caller; see db/withClaims.ts). */
export async function readJobAs(sql: Sql, identity: DbIdentity, id: string): Promise<JobRow> {
  const [row] = await queryAs<JobRow>(sql, identity, readJobSql, [id]);
  if (!row) throw jobNotFound(id);
  return row;
}
