/**
 * Fires `@fluxbase:schedule` cron expressions (UTC, 5 or 6 fields). Time is read from the database
 * each tick so every process agrees on it; the enqueue is idempotent per fire time.
 */
import { Cron } from "croner";
import type { Sql } from "../db/createSql.ts";
import { isTransientDbError } from "../db/pgErrors.ts";
import { type ScheduledFunction, scheduledFunctions } from "../functions/scheduledFunctions.ts";
import type { Logger } from "../log.ts";
import { enqueueScheduledRun } from "../queue/enqueueScheduledRun.ts";

export interface Scheduler {
  start(): void;
  stop(): void;
}

export function createScheduler(sql: Sql, logger: Logger, tickMs = 1000): Scheduler {
  let timer: NodeJS.Timeout | undefined;
  const crons = new Map<string, Cron | null>();
  let lastTick: Date | undefined;
  let busy = false;

  // Parsed expressions are kept by text; a bad one is reported once and then ignored.
  function cronFor(fn: ScheduledFunction): Cron | null {
    if (!crons.has(fn.schedule)) {
      try {
        crons.set(fn.schedule, new Cron(fn.schedule, { timezone: "UTC", paused: true }));
      } catch (error) {
        logger.warn(`invalid schedule on ${fn.name}: ${(error as Error).message}`);
        crons.set(fn.schedule, null);
      }
    }
    return crons.get(fn.schedule)!;
  }

  // The list is read every tick (one small indexed query), so a new or changed schedule applies at once.
  async function tick(): Promise<void> {
    const { functions, now } = await scheduledFunctions(sql);
    const since = lastTick ?? new Date(now.getTime() - tickMs);
    lastTick = now;
    for (const fn of functions) {
      const due = cronFor(fn)?.nextRun(since);
      if (due && due <= now) {
        const id = await enqueueScheduledRun(sql, fn.id, due);
        if (id) logger.info(`scheduled run of ${fn.name}`, { job_id: id, fire_time: due.toISOString() });
      }
    }
  }

  return {
    start() {
      timer ??= setInterval(() => {
        if (busy) return;
        busy = true;
        tick()
          .catch((error) =>
            isTransientDbError(error)
              ? logger.warn("scheduler: database unavailable; will retry", { error: String(error?.message) })
              : logger.error("scheduler tick failed", { error: String(error) }),
          )
          .finally(() => {
            busy = false;
          });
      }, tickMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
