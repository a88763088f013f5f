/**
 * The scheduler every worker process runs: each tick reads the database clock, gives new or
 * changed annotation schedules their next fire time, and fires the due ones one transaction each
 * (fireSchedule), so any number of processes fire every fire time exactly once. Old records of
 * fire times are purged now and then. Background failures are logged, never thrown.
 */
import type { Sql } from "../db/createSql.ts";
import { isTransientDbError } from "../db/pgErrors.ts";
import { asService } from "../db/withClaims.ts";
import type { Logger } from "../log.ts";
import { nextFireTime } from "./cronExpression.ts";
import { type FireReport, fireSchedule } from "./fireSchedule.ts";

export interface SchedulerOptions {
  /** How often the due schedules are read. @default 1000 */
  tickMs?: number;
  /** A fire time later than this was missed (no scheduler ran); see the schedule's `misfire`. @default 60000 */
  misfireGraceMs?: number;
  /** How long the record of a fire time (jobs.schedule_runs) is kept. @default 7 days */
  runRecordRetentionMs?: number;
}

export const schedulerDefaults = {
  tickMs: 1000,
  misfireGraceMs: 60_000,
  runRecordRetentionMs: 7 * 24 * 3600_000,
} satisfies Required<SchedulerOptions>;

export interface Scheduler {
  start(): void;
  stop(): Promise<void>;
}

const PURGE_EVERY_MS = 60_000;

export function createScheduler(sql: Sql, logger: Logger, options: SchedulerOptions = {}): Scheduler {
  const { tickMs, misfireGraceMs, runRecordRetentionMs } = { ...schedulerDefaults, ...options };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastPurge = 0;

  async function tick(): Promise<void> {
    await computeMissingNextRuns(sql);
    const due = await asService(
      sql,
      (tx) => tx<{ id: string }[]>`
        select id from jobs.schedules where enabled and next_run_at <= now() order by next_run_at limit 500`,
    );
    for (const { id } of due) {
      if (!timer) return;
      try {
        for (const report of await fireSchedule(sql, id, misfireGraceMs)) log(report);
      } catch (error) {
        if (isTransientDbError(error)) throw error;
        logger.error("a schedule failed to fire", { schedule_id: id, error: String(error) });
      }
    }
    if (Date.now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = Date.now();
      await asService(
        sql,
        (tx) => tx`delete from jobs.schedule_runs
          where created_at < now() - make_interval(secs => ${runRecordRetentionMs / 1000})`,
      );
    }
  }

  function log({ schedule, fireTime, outcome }: FireReport): void {
    const fields = {
      schedule: schedule.name,
      namespace: schedule.namespace,
      fire_time: fireTime.toISOString(),
    };
    if (outcome.started)
      logger.info(`scheduled run of ${schedule.job_name}`, { ...fields, job_id: outcome.job.id });
    else if (outcome.reason === "overlap")
      logger.info(`schedule ${schedule.name}: ${outcome.message}; fire time skipped`, fields);
    else if (outcome.reason !== "taken") logger.warn(`schedule ${schedule.name}: ${outcome.message}`, fields);
  }

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = tick()
          .catch((error) =>
            isTransientDbError(error)
              ? logger.warn("scheduler: database unavailable; will retry", { error: String(error?.message) })
              : logger.error("scheduler tick failed", { error: String(error) }),
          )
          .finally(() => {
            running = undefined;
          });
      }, tickMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

/** Enabled rows without a next fire time (new or changed annotation rows) get one, after now. */
async function computeMissingNextRuns(sql: Sql): Promise<void> {
  await asService(sql, async (tx) => {
    const rows = await tx<{ id: string; cron: string; timezone: string; now: Date }[]>`
      select id, cron, timezone, now() as now from jobs.schedules
      where enabled and next_run_at is null limit 500 for update skip locked`;
    for (const row of rows) {
      let next: Date | null = null;
      try {
        next = nextFireTime(row.cron, row.timezone, row.now);
      } catch {
        // Only possible for a row written around the API's checks; it stays unscheduled.
      }
      if (next) await tx`update jobs.schedules set next_run_at = ${next} where id = ${row.id}`;
    }
  });
}
