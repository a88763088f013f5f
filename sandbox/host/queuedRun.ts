/**
 * A warm run waiting for a process of its pool: it is bound to the first one that serves it, a
 * process that frees up or one started for it (warmPool.ts decides which). Until then a cancel is
 * remembered and passed on at binding, and a kill ends it at once, as the kill of a run that never
 * started. Its timeout starts with the process that serves it, as every run's does.
 */
import { decideOutcome } from "./outcome.ts";
import { deferred } from "./runJob.ts";
import type { KillReason, SandboxOutcome, SandboxRun, SandboxRunOptions } from "./types.ts";
import type { WarmProcess } from "./warmProcess.ts";

export class QueuedRun implements SandboxRun {
  private bound: SandboxRun | null = null;
  private cancelRequested = false;
  private ended = false;
  private readonly done = deferred<SandboxOutcome>();
  readonly outcome = this.done.promise;

  constructor(
    readonly options: SandboxRunOptions,
    /** When a process is started for it if none has freed by then (performance.now()). */
    readonly dueAt: number,
    /** Called once if it ends before any process took it (so the pool drops it from its queue). */
    private readonly onEndedWaiting: (run: QueuedRun) => void,
  ) {}

  get pid(): number {
    return this.bound?.pid ?? -1;
  }

  /** Still waiting: neither bound to a process nor ended. */
  get waiting(): boolean {
    return this.bound === null && !this.ended;
  }

  bind(process: WarmProcess): void {
    if (!this.waiting) throw new Error("a queued run is bound once");
    const run = process.run(this.options);
    this.bound = run;
    void run.outcome.then((outcome) => {
      this.ended = true;
      this.done.resolve(outcome);
    });
    if (this.cancelRequested) run.requestCancel();
  }

  requestCancel(): void {
    if (this.bound) this.bound.requestCancel();
    else this.cancelRequested = true;
  }

  kill(reason: KillReason): void {
    if (this.bound) {
      this.bound.kill(reason);
      return;
    }
    if (this.ended) return;
    this.ended = true;
    this.onEndedWaiting(this);
    const { memoryMb, timeoutMs, progressTimeoutMs } = this.options;
    this.done.resolve(
      decideOutcome({
        killed: reason,
        exitCode: null,
        signal: null,
        heapExhausted: false,
        limits: { memoryMb, timeoutMs, progressTimeoutMs },
      }),
    );
  }
}
