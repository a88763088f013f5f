/**
 * Deletes finished jobs past their retention (FLUXBASE_JOBS_RETENTION_COMPLETED, _FAILED,
 * _CANCELLED; 0 keeps them) every `retentionSweepInterval`. Every process with jobs runs one, and a
 * session advisory lock lets one sweep at a time: the others skip that round. Batches of 1,000, each
 * its own statement, so claims never wait behind a long delete.
 */

import type { JobsConfig } from "../config/types.ts";
import type { Sql } from "../db/createSql.ts";
import { isTransientDbError } from "../db/pgErrors.ts";
import { purgeEvents } from "../events/purgeEvents.ts";
import type { Logger } from "../log.ts";
import { type FinishedStatus, purgeBatch, releaseSweepLock, trySweepLock } from "../queue/purgeJobs.ts";

const BATCH = 1000;

export interface RetentionSweeper {
  start(): void;
  /** One sweep now; resolves with how many jobs it deleted (0 when another process holds the lock). */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/** `pool`: a service-role pool of its own (the session lock needs one connection for the sweep). */
export function createRetentionSweeper(sql: Sql, jobs: JobsConfig, logger: Logger): RetentionSweeper {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;
  const ages: [FinishedStatus, number][] = [
    ["completed", jobs.retentionCompleted],
    ["failed", jobs.retentionFailed],
    ["cancelled", jobs.retentionCancelled],
  ];

  async function sweepOnce(): Promise<number> {
    if (ages.every(([, age]) => age <= 0)) return 0;
    const conn = await sql.reserve();
    try {
      if (!(await trySweepLock(conn))) return 0;
      try {
        let deleted = 0;
        for (const [status, age] of ages) {
          if (age <= 0) continue;
          for (;;) {
            if (stopped) return deleted;
            const n = await purgeBatch(conn, { statuses: [status], olderThanMs: age }, BATCH);
            deleted += n;
            if (n < BATCH) break;
          }
        }
        if (deleted > 0) logger.info("retention: deleted finished jobs", { deleted });
        // Events live as long as the longest-kept jobs, and never while a job refers to one.
        const eventAge = Math.max(...ages.map(([, age]) => age));
        for (let n = BATCH; n === BATCH && !stopped; ) n = await purgeEvents(conn, eventAge, BATCH);
        return deleted;
      } finally {
        await releaseSweepLock(conn);
      }
    } finally {
      conn.release();
    }
  }

  function sweep(): Promise<number> {
    running ??= sweepOnce().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    start() {
      timer = setInterval(() => {
        sweep().catch((error) => {
          if (isTransientDbError(error)) logger.warn("retention sweep skipped: database unavailable");
          else logger.error("retention sweep failed", { error: String((error as Error)?.message ?? error) });
        });
      }, jobs.retentionSweepInterval);
      timer.unref();
    },
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
