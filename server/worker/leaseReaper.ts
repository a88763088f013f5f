/**
 * The recovery loop every process with a database connection runs, whatever its role: each poll it
 * requeues (or fails) running jobs whose lease ran out and drops silent worker rows. Any live
 * process therefore recovers a dead or frozen peer's runs within `worker_timeout` plus one poll,
 * even when the only survivor serves the API.
 */
import type { JobsConfig } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import { isTransientDbError } from "../db/pgErrors.ts";
import type { Logger } from "../log.ts";
import { recoverJobs } from "../queue/recoverJobs.ts";

export interface LeaseReaper {
  start(): void;
  stop(): Promise<void>;
}

export function createLeaseReaper(
  sql: Sql,
  jobs: Pick<JobsConfig, "pollInterval" | "workerTimeout">,
  logger: Logger,
): LeaseReaper {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function sweep(): Promise<void> {
    try {
      const recovered = await recoverJobs(sql, jobs.workerTimeout);
      if (recovered.requeued + recovered.failed > 0)
        logger.warn("recovered runs whose lease ran out", { ...recovered });
    } catch (error) {
      // The database being away is the outage itself, reported by whoever waits on it.
      if (!isTransientDbError(error)) logger.error("lease recovery failed", { error: String(error) });
    }
  }

  return {
    start() {
      timer ??= setInterval(() => {
        running ??= sweep().finally(() => {
          running = undefined;
        });
      }, jobs.pollInterval);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
