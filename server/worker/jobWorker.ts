/** One registered worker: a slot count and its active runs. The pool's claimer fills its slots. */

import { randomUUID } from "node:crypto";
import type { ClaimedJob, ClaimFilter } from "../queue/claimJobs.ts";
import { registerWorker } from "../queue/workerRegistry.ts";
import { type ActiveRun, type StopReason, startRun, type WorkerContext } from "./startRun.ts";

export class JobWorker {
  /**
   * Workers registered by this process (every pool, every instance): a row with our own pid that
   * is not one of these belongs to an earlier process whose pid was reused.
   */
  static readonly inThisProcess = new Set<string>();
  readonly id = randomUUID();
  readonly name: string;
  readonly runs = new Map<string, ActiveRun>();
  private executing = 0;
  private accepting = true;

  constructor(
    private readonly ctx: WorkerContext,
    readonly capacity: number,
    private readonly hostname: string,
    private readonly onError: (error: unknown) => void,
    /** Called when a slot frees, so the pool can claim for it. */
    private readonly onSlotFree: () => void,
    private readonly filter: ClaimFilter = { lane: "worker", handlerKeys: [] },
  ) {
    this.name = `${filter.lane === "api" ? "api-" : ""}worker-${this.id.slice(0, 8)}@${hostname}`;
  }

  register(metadata: Record<string, unknown>): Promise<void> {
    JobWorker.inThisProcess.add(this.id);
    return registerWorker(this.ctx.sql, {
      id: this.id,
      name: this.name,
      hostname: this.hostname,
      pid: process.pid,
      maxConcurrentJobs: this.capacity,
      lane: this.filter.lane,
      metadata,
    });
  }

  /**
   * A slot is free once its job's code is over: the run's last writes (its completion, batched with
   * others') land while the next job is claimed. At most `capacity` runs wait on those writes.
   */
  get free(): number {
    if (!this.accepting) return 0;
    return Math.max(0, Math.min(this.capacity - this.executing, 2 * this.capacity - this.runs.size));
  }

  /** Runs a job claimed for one of this worker's slots. */
  launch(job: ClaimedJob): void {
    this.ctx.metrics?.pickedUp(this.filter.lane, job.waited_seconds);
    // The lines about a run name its job_id themselves: no async context (see log.ts).
    const run = startRun(this.ctx, job);
    this.runs.set(run.job.id, run);
    this.executing++;
    void run.executed.then(() => {
      this.executing--;
      this.onSlotFree();
    });
    run.done
      .catch((error) => this.onError(error))
      .finally(() => {
        this.runs.delete(run.job.id);
        this.onSlotFree();
      });
  }

  stopRun(jobId: string, reason: StopReason): void {
    this.runs.get(jobId)?.stop(reason);
  }

  stopAccepting(): void {
    this.accepting = false;
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.runs.values()].map((run) => run.done));
  }
}
