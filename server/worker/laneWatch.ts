/**
 * In a process that runs no worker-lane jobs (`--role api`), warns at most once per interval while
 * worker-lane jobs are due and no worker process is alive to take them.
 */
import type { JobsConfig } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import type { Logger } from "../log.ts";
import { laneStats, laneWarning } from "../queue/laneStats.ts";

export interface LaneWatch {
  start(): void;
  stop(): void;
}

export function createLaneWatch(
  sql: Sql,
  jobs: Pick<JobsConfig, "laneWarningInterval" | "workerTimeout">,
  logger: Logger,
): LaneWatch {
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      const stats = await laneStats(sql, jobs.workerTimeout);
      const warning = laneWarning("worker", stats.worker);
      if (warning) logger.warn(warning, { pending: stats.worker.pending });
    } catch (error) {
      logger.debug("lane check failed", { error: String(error) });
    } finally {
      busy = false;
    }
  };
  return {
    start() {
      timer ??= setInterval(() => void check(), jobs.laneWarningInterval);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
