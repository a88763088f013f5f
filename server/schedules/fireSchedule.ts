/**
 * Fires one due schedule in one transaction, as the service role: locks its row (SKIP LOCKED, so
 * another process firing it moves on), starts a job for each fire time that is due by the database
 * clock, records each in jobs.schedule_runs (its primary key makes a fire time run once, whatever
 * happens) and moves next_run_at past now. A fire time later than the misfire grace was missed
 * (no scheduler ran): `misfire: skip` drops the missed times, `run_once` starts one job for them.
 */
import type { Sql, Tx } from "../db/createSql.ts";
import { asService } from "../db/withClaims.ts";
import { nextFireTime } from "./cronExpression.ts";
import { enqueueScheduleRun, type ScheduleRunOutcome } from "./enqueueScheduleRun.ts";
import { type ScheduleRow, scheduleColumns } from "./scheduleRow.ts";

/** What happened to one fire time. */
export interface FireReport {
  schedule: Pick<ScheduleRow, "id" | "name" | "namespace" | "job_name">;
  fireTime: Date;
  outcome:
    | ScheduleRunOutcome
    | { started: false; reason: "missed"; message: string }
    | { started: false; reason: "taken"; message: string };
}

/** At most this many fire times of one schedule in one go (a per-second schedule behind by a minute). */
const MAX_FIRES_PER_CALL = 100;

export async function fireSchedule(sql: Sql, id: string, misfireGraceMs: number): Promise<FireReport[]> {
  return asService(sql, async (tx) => {
    const [row] = await tx<(ScheduleRow & { now: Date })[]>`
      select ${tx(scheduleColumns)}, now() as now from jobs.schedules
      where id = ${id} and enabled and next_run_at <= now()
      for update skip locked`;
    if (!row) return [];
    const { now } = row;
    const reports: FireReport[] = [];
    let fire: Date | null = row.next_run_at!;
    let last: { at: Date; jobId: string } | undefined;
    if (now.getTime() - fire.getTime() > misfireGraceMs) {
      // Missed while no scheduler ran: one run for all of them, or none.
      const next = nextFireTime(row.cron, row.timezone, now);
      if (row.misfire === "run_once") {
        const outcome = await runOnce(tx, row, fire);
        reports.push({ schedule: row, fireTime: fire, outcome });
        if (outcome.started) last = { at: fire, jobId: outcome.job.id };
      } else {
        const message = `missed fire time ${fire.toISOString()} (and any after it until now) skipped: misfire is "skip"`;
        reports.push({
          schedule: row,
          fireTime: fire,
          outcome: { started: false, reason: "missed", message },
        });
      }
      fire = next;
    } else {
      for (let n = 0; fire && fire <= now && n < MAX_FIRES_PER_CALL; n++) {
        const outcome = await runOnce(tx, row, fire);
        reports.push({ schedule: row, fireTime: fire, outcome });
        if (outcome.started) last = { at: fire, jobId: outcome.job.id };
        fire = nextFireTime(row.cron, row.timezone, fire);
      }
    }
    await tx`
      update jobs.schedules set next_run_at = ${fire},
        last_run_at = coalesce(${last?.at ?? null}::timestamptz, last_run_at),
        last_job_id = coalesce(${last?.jobId ?? null}::uuid, last_job_id)
      where id = ${row.id}`;
    return reports;
  });
}

/** Claims the fire time, then starts its job; a fire time already claimed starts nothing. */
async function runOnce(tx: Tx, row: ScheduleRow, fire: Date): Promise<FireReport["outcome"]> {
  const claimed = await tx`
    insert into jobs.schedule_runs (schedule_id, fire_time) values (${row.id}, ${fire})
    on conflict do nothing returning fire_time`;
  if (claimed.length === 0)
    return { started: false, reason: "taken", message: "this fire time already started a job" };
  const outcome = await enqueueScheduleRun(tx, row, fire);
  if (outcome.started)
    await tx`update jobs.schedule_runs set job_id = ${outcome.job.id}
      where schedule_id = ${row.id} and fire_time = ${fire}`;
  else await tx`delete from jobs.schedule_runs where schedule_id = ${row.id} and fire_time = ${fire}`;
  return outcome;
}
