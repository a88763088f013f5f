/**
 * The enabled functions with a schedule, and the database's clock: every process reads time from the
 * database so they agree on it. One small indexed query, read every tick so a new or changed schedule
 * applies at once.
 */
import type { Sql } from "../db/createSql.ts";

export interface ScheduledFunction {
  id: string;
  name: string;
  schedule: string;
}

export async function scheduledFunctions(sql: Sql): Promise<{ functions: ScheduledFunction[]; now: Date }> {
  const functions = await sql<(ScheduledFunction & { now: Date })[]>`
    select id, name, schedule, now() as now from jobs.functions
    where enabled and schedule is not null and (code is not null or origin = 'handler')`;
  const [{ now }] = functions.length ? functions : await sql<{ now: Date }[]>`select now() as now`;
  return { functions, now };
}
