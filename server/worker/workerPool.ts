/**
 * The embedded worker pool: N registered workers whose free slots one claimer fills when NOTIFY says
 * a job is pending (polling only as a backstop); heartbeats, recovers the runs of dead workers,
 * watches its runs for cancellation, and drains gracefully on stop.
 */
import { hostname as osHostname } from "node:os";
import { parseNotifications } from "../db/changeNotification.ts";
import type { Sql } from "../db/createSql.ts";
import { changesChannel } from "../db/notifyChannels.ts";
import { isTransientDbError } from "../db/pgErrors.ts";
import type { Logger } from "../log.ts";
import type { ClaimFilter } from "../queue/claimJobs.ts";
import type { Lease } from "../queue/finishJob.ts";
import { deadLocalWorkers, recoverJobs } from "../queue/recoverJobs.ts";
import { renewLeases } from "../queue/renewLeases.ts";
import { runStates } from "../queue/runStates.ts";
import { heartbeat, setWorkerStatus } from "../queue/workerRegistry.ts";
import { createCompletionBatcher } from "./completionBatcher.ts";
import { JobWorker } from "./jobWorker.ts";
import { createSlotClaimer } from "./slotClaimer.ts";
import type { WorkerContext } from "./startRun.ts";
import { stopReasonFor } from "./stopReason.ts";

export interface WorkerPool {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Asks idle workers to claim now. */
  wake(): void;
  readonly workers: readonly JobWorker[];
}

/** How many workers a pool runs, how many jobs each, and which jobs they claim. */
export interface PoolShape {
  count: number;
  perWorker: number;
  filter: ClaimFilter;
}

export function createWorkerPool(
  ctx: WorkerContext & {
    logger: Logger;
    /** Heartbeats and lease renewal; default: ctx.sql. */
    leaseSql?: Sql;
    /**
     * Where the pool LISTENs for changes; default: ctx.sql. Every listening connection wakes for
     * every NOTIFY in the database, so a process shares one (the server passes its main pool's).
     */
    listenSql?: Sql;
  },
  shape: PoolShape,
  hostname = osHostname(),
): WorkerPool {
  const { sql, jobs, logger } = ctx;
  const leaseSql = ctx.leaseSql ?? sql;
  const listenSql = ctx.listenSql ?? sql;
  const onError = (error: unknown) =>
    logger.error("worker error", { error: String((error as Error)?.stack ?? error) });
  // During a database outage every loop fails the same way; one line each, not a stack each.
  const onBackgroundError = (error: unknown) =>
    isTransientDbError(error)
      ? logger.warn("database unavailable; will retry", { error: String((error as Error)?.message ?? error) })
      : onError(error);
  // One batcher per pool: its workers' runs that end together share one completion write.
  const runCtx = { ...ctx, completions: ctx.completions ?? createCompletionBatcher(sql) };
  const claimer = createSlotClaimer(runCtx, () => workers, shape.filter, onBackgroundError);
  const workers = Array.from(
    { length: shape.count },
    () => new JobWorker(runCtx, shape.perWorker, hostname, onBackgroundError, claimer.fillSoon, shape.filter),
  );
  const timers: NodeJS.Timeout[] = [];
  let unlisten: (() => Promise<void>) | undefined;
  let stopped = false;

  const wake = () => {
    if (!stopped) void claimer.fill();
  };
  const findRun = (jobId: string) => workers.find((worker) => worker.runs.has(jobId));

  async function checkRuns(): Promise<void> {
    const leases = workers.flatMap((worker) => [...worker.runs.values()].map((run) => run.job));
    await stopEnded(sql, leases);
  }

  /** Stops the runs whose row says they are over, each with the reason its row gives. */
  async function stopEnded(db: Sql, leases: Lease[], lost = false): Promise<void> {
    if (leases.length === 0) return;
    const byId = await runStates(
      db,
      leases.map((job) => job.id),
    );
    for (const job of leases) {
      const run = findRun(job.id)?.runs.get(job.id);
      const reason = stopReasonFor(run, job, byId.get(job.id), lost);
      if (reason === "lease_lost") logger.warn("run lost its lease; stopping it", { job_id: job.id });
      if (reason) run?.stop(reason);
    }
  }

  /**
   * Renews the lease of every run this process really holds (claimed, still executing or still
   * landing its last writes) and stops those whose lease is gone. The worker rows are only a
   * listing: one removed by another process (it saw no heartbeat during an outage) is re-created.
   */
  async function heartbeatAll(): Promise<void> {
    for (const worker of workers) {
      if (!(await heartbeat(leaseSql, worker.id, worker.runs.size)))
        await worker.register({ pool_size: workers.length, re_registered: true });
    }
    const leases = workers.flatMap((worker) => [...worker.runs.values()].map((run) => run.job));
    const held = await renewLeases(leaseSql, leases, jobs.workerTimeout);
    // A run cancelled since the last check is not renewed either: it stops as cancelled, not lost.
    await stopEnded(
      leaseSql,
      leases.filter((job) => !held.has(job.id)),
      true,
    );
  }

  function onNotify(raw: string): void {
    let pending = false;
    let cancelledHere = false;
    for (const change of parseNotifications(raw)) {
      if (change.table !== "queue") continue;
      if (change.status === "pending") pending = true;
      else if (change.status === "cancelled" && typeof change.id === "string" && findRun(change.id))
        cancelledHere = true;
    }
    if (pending) wake();
    if (cancelledHere) void checkRuns().catch(onError);
  }

  /** `duringDrain`: keeps running after stop() until the runs are done (lease renewal must). */
  function every(ms: number, task: () => Promise<unknown>, duringDrain = false): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || (stopped && !duringDrain)) return;
      busy = true;
      task()
        .catch(onBackgroundError)
        .finally(() => {
          busy = false;
        });
    }, ms);
    timer.unref();
    timers.push(timer);
  }

  return {
    workers,
    wake,
    async start() {
      if (workers.length === 0) return;
      // Before registering, a row with our own pid on this host is a previous process's (pid reuse).
      const isAlive = (pid: number) => {
        if (pid === process.pid) return false;
        try {
          process.kill(pid, 0);
          return true;
        } catch (error) {
          return (error as NodeJS.ErrnoException).code === "EPERM";
        }
      };
      const dead = (await deadLocalWorkers(sql, hostname, isAlive)).filter(
        (id) => !JobWorker.inThisProcess.has(id),
      );
      const recovered = await recoverJobs(sql, jobs.workerTimeout, dead);
      if (recovered.requeued + recovered.failed > 0)
        logger.warn("recovered runs of dead workers", { ...recovered });
      for (const worker of workers) await worker.register({ pool_size: workers.length });
      const listener = await listenSql.listen(changesChannel, onNotify, wake);
      unlisten = () => listener.unlisten();
      every(jobs.pollInterval, async () => {
        wake();
        await checkRuns();
      });
      every(jobs.workerHeartbeatInterval, heartbeatAll, true);
      logger.info("workers started", {
        lane: shape.filter.lane,
        count: workers.length,
        per_worker: shape.perWorker,
      });
      wake();
    },
    async stop() {
      if (stopped || workers.length === 0) return;
      stopped = true;
      for (const worker of workers) {
        worker.stopAccepting();
        await setWorkerStatus(sql, worker.id, "draining", worker.runs.size).catch(onError);
      }
      const drained = Promise.all(workers.map((worker) => worker.drain()));
      const deadline = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), jobs.shutdownTimeout).unref(),
      );
      // Says what the drain waits for, and again every few seconds while it lasts.
      const waitingFor = () => {
        const running = workers.flatMap((worker) => [...worker.runs.values()].map((run) => run.job));
        if (running.length === 0) return;
        const list = running.map((job) => `${job.job_name} ${job.id}`).join(", ");
        logger.info(
          `draining: waiting for ${running.length} running job${running.length === 1 ? "" : "s"} to finish (at most ${Math.ceil(jobs.shutdownTimeout / 1000)} s in all): ${list}`,
        );
      };
      waitingFor();
      const reminder = setInterval(waitingFor, 5000);
      reminder.unref();
      void drained.finally(() => clearInterval(reminder));
      if ((await Promise.race([drained, deadline])) === "timeout") {
        logger.warn("shutdown timeout reached; stopping running jobs and returning them to the queue");
        for (const worker of workers) for (const id of worker.runs.keys()) worker.stopRun(id, "shutdown");
        await drained;
      }
      for (const timer of timers) clearInterval(timer);
      await unlisten?.().catch(onError);
      for (const worker of workers) await setWorkerStatus(sql, worker.id, "stopped", 0).catch(onError);
    },
  };
}
