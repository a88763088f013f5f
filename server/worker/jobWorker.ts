/** One registered worker: a slot count, a claim loop that fills free slots, and its active runs. */
import { randomUUID } from "node:crypto";
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
  private claiming = false;
  private again = false;
  private accepting = true;

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

  get free(): number {
    return this.accepting ? this.capacity - this.runs.size : 0;
  }

  /** Claims as many due jobs as there are free slots; coalesces calls that arrive mid-claim. */
  async fill(): Promise<void> {
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    try {
      do {
        this.again = false;
        const free = this.free;
        if (free <= 0) break;
        const { sql, jobs: config } = this.ctx;
        const jobs = await claimJobs(
          sql,
          this.id,
          free,
          config.maxConcurrentPerNamespace,
          config.workerTimeout,
          this.filter,
        );
        for (const job of jobs) {
          this.ctx.metrics?.pickedUp(this.filter.lane, job.waited_seconds);
          this.launch(startRun(this.ctx, job));
        }
        if (jobs.length === free) this.again = true;
      } while (this.again && this.accepting);
    } catch (error) {
      this.onError(error);
    } finally {
      this.claiming = false;
    }
  }

  private launch(run: ActiveRun): void {
    this.runs.set(run.job.id, run);
    run.done
      .catch((error) => this.onError(error))
      .finally(() => {
        this.runs.delete(run.job.id);
        if (this.accepting) void this.fill();
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
