/** One registered worker: a slot count, a claim loop that fills free slots, and its active runs. */

import { randomUUID } from "node:crypto";
import { withLogContext } from "../log.ts";
import { type ClaimFilter, claimJobs } from "../queue/claimJobs.ts";
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
  private claiming = false;
  private again = false;
  private accepting = true;
  private fillScheduled = false;

  constructor(
    private readonly ctx: WorkerContext,
    readonly capacity: number,
    private readonly hostname: string,
    private readonly onError: (error: unknown) => void,
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

  /** Claims as many due jobs as there are free slots; coalesces calls that arrive mid-claim. */
  async fill(): Promise<void> {
    if (this.claiming) {
      this.again = true;
      return;
    }
    const free = this.free;
    if (free <= 0) return;
    this.claiming = true;
    this.again = false;
    let claimed = 0;
    try {
      const { sql, jobs: config } = this.ctx;
      const jobs = await claimJobs(
        sql,
        this.id,
        free,
        config.maxConcurrentPerNamespace,
        config.workerTimeout,
        this.filter,
      );
      claimed = jobs.length;
      for (const job of jobs) {
        this.ctx.metrics?.pickedUp(this.filter.lane, job.waited_seconds);
        this.launch(withLogContext({ job_id: job.id }, () => startRun(this.ctx, job)));
      }
    } catch (error) {
      this.onError(error);
      return;
    } finally {
      this.claiming = false;
    }
    // More may be due (the claim was full, or slots freed meanwhile): claim again.
    if ((this.again || claimed === free) && this.accepting) void this.fill();
  }

  private launch(run: ActiveRun): void {
    this.runs.set(run.job.id, run);
    this.executing++;
    void run.executed.then(() => {
      this.executing--;
      this.fillSoon();
    });
    run.done
      .catch((error) => this.onError(error))
      .finally(() => {
        this.runs.delete(run.job.id);
        this.fillSoon();
      });
  }

  /** Runs that end together free their slots before one claim fills them all. */
  private fillSoon(): void {
    if (!this.accepting || this.fillScheduled) return;
    this.fillScheduled = true;
    setImmediate(() => {
      this.fillScheduled = false;
      void this.fill();
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
