/**
 * One claimer per pool: a single claim fills the free slots of all the pool's workers, and each
 * claimed job goes to the worker whose slot it took. Workers that claimed on their own waited in
 * turn for the claim lock and paid a statement each; four workers of five slots drained a burst of
 * trivial jobs at half the rate of one worker of twenty.
 */
import { type ClaimFilter, claimJobs } from "../queue/claimJobs.ts";
import type { JobWorker } from "./jobWorker.ts";
import type { WorkerContext } from "./startRun.ts";

export interface SlotClaimer {
  /** Claims for every free slot now; a call during a claim makes one more claim after it. */
  fill(): Promise<void>;
  /** Claims once on the next turn of the event loop, however many slots free up until then. */
  fillSoon(): void;
}

export function createSlotClaimer(
  ctx: WorkerContext,
  workers: () => readonly JobWorker[],
  filter: ClaimFilter,
  onError: (error: unknown) => void,
): SlotClaimer {
  let claiming = false;
  let again = false;
  let scheduled = false;

  async function fill(): Promise<void> {
    if (claiming) {
      again = true;
      return;
    }
    const slots = workers().flatMap((worker) => Array<string>(worker.free).fill(worker.id));
    if (slots.length === 0) return;
    claiming = true;
    again = false;
    let claimed = 0;
    try {
      const jobs = await claimJobs(
        ctx.sql,
        slots,
        ctx.jobs.maxConcurrentPerNamespace,
        ctx.jobs.workerTimeout,
        filter,
      );
      claimed = jobs.length;
      const byId = new Map<string, JobWorker>(workers().map((worker) => [worker.id, worker]));
      for (const job of jobs) (byId.get(job.worker_id) ?? byId.get(slots[0]!)!).launch(job);
    } catch (error) {
      onError(error);
      return;
    } finally {
      claiming = false;
    }
    // More may be due (the claim was full, or slots freed meanwhile): claim again.
    if (again || claimed === slots.length) void fill();
  }

  return {
    fill,
    fillSoon() {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        void fill();
      });
    },
  };
}
