/** A job's log lines after a given line number; the job must be visible to the caller. */
import type { Tx } from "../db/createSql.ts";
import { getJob } from "./findJob.ts";

export interface LogLine {
  line_number: number;
  level: string;
  message: string;
  timestamp: Date;
  attempt: number;
}

export async function jobLogs(tx: Tx, jobId: string, afterLine: number, limit = 1000): Promise<LogLine[]> {
  await getJob(tx, jobId);
  return tx<LogLine[]>`
    select line_number, level, message, "timestamp", attempt from jobs.logs
    where job_id = ${jobId} and line_number > ${afterLine}
    order by line_number limit ${limit}`;
}
