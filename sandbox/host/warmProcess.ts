/**
 * One warm Deno process: started for one function version and permission set, it serves one run at
 * a time, many runs in its life (see ../README.md, "Warm processes"). Each run gets a fresh nonce and
 * its own monitor (limits, logs, frames); a run is over when its result frame has arrived on stdout
 * and its end marker on stderr, so every line it wrote is attributed to it. A kill for a run's
 * timeout, cancel or memory limit takes the whole process: the pool replaces it.
 */
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { type BootMessage, PROTOCOL_VERSION, type RunMessage } from "../protocol.ts";
import { CancelFile } from "./cancelFile.ts";
import type { GuestProcess } from "./guestProcess.ts";
import { LineSplitter } from "./lineSplitter.ts";
import type { SandboxRunContext } from "./runContext.ts";
import { deferred, spawnGuest } from "./runJob.ts";
import { monitorRun, type RunMonitor } from "./runMonitor.ts";
import { removeRunStorage, runOrigin } from "./runStorage.ts";
import { FRAME_PREFIX_BYTES } from "./stdoutChannel.ts";
import type { SandboxOutcome, SandboxRun, SandboxRunOptions } from "./types.ts";

/** The job's variables that change from run to run; the guest sets them before each run. */
export const PER_RUN_ENV = [
  "FLUXBASE_JOB_ID",
  "FLUXBASE_JOB_NAME",
  "FLUXBASE_JOB_NAMESPACE",
  "FLUXBASE_JOB_CANCELLED",
];

export interface WarmSpawn {
  codePath: string;
  /** The flags of a process with this cancel file and `--location` origin. */
  args: (cancelFile: string, origin: string) => string[];
  env: Record<string, string>;
}

interface ActiveRun {
  id: number;
  monitor: RunMonitor;
  resultIn: boolean;
  stderrIn: boolean;
  settle(outcome: SandboxOutcome): void;
}

export class WarmProcess {
  runs = 0;
  idleSince = Date.now();
  /** False once it must serve no further run (announced exit, killed, gone). */
  reusable = true;
  /** Its first run has loaded the job's module. */
  started = false;
  readonly createdAt = performance.now();
  /** When its first run was handed to it (performance.now()). */
  firstRunAt: number | null = null;
  gone = false;
  private readonly child: GuestProcess;
  private readonly cancelFile: CancelFile;
  /** Its own web-storage origin, emptied after each run and removed with the process. */
  private readonly origin = runOrigin();
  private active: ActiveRun | null = null;

  constructor(
    private readonly ctx: SandboxRunContext,
    readonly spawnSpec: WarmSpawn,
    private readonly events: {
      /** Free again after a run (it may still be unfit for another, see `reusable`). */
      free(process: WarmProcess): void;
      gone(process: WarmProcess): void;
      /** Its first run's module is loaded: the process has started. */
      started(process: WarmProcess): void;
    },
  ) {
    this.cancelFile = new CancelFile(ctx.cancelDir);
    const idleLimit = ctx.limits.maxLogLineBytes;
    const stdout = new LineSplitter({
      headBytes: FRAME_PREFIX_BYTES,
      limitFor: (head) => {
        const run = this.active;
        if (!run) return idleLimit;
        return run.monitor.prefix.equals(head) ? run.monitor.maxFrameBytes : run.monitor.maxLogLineBytes;
      },
      onLine: (line, dropped) => this.active?.monitor.stdoutLine(line, dropped),
    });
    const stderr = new LineSplitter({
      headBytes: FRAME_PREFIX_BYTES,
      limitFor: () => this.active?.monitor.maxLogLineBytes ?? idleLimit,
      onLine: (line, dropped) => this.active?.monitor.stderrLine(line, dropped),
    });
    this.child = spawnGuest(ctx, spawnSpec.args(this.cancelFile.path, this.origin), spawnSpec.env, {
      stdout: (chunk) => stdout.push(chunk),
      stderr: (chunk) => stderr.push(chunk),
      failed: (error) => {
        ctx.logger?.warn("sandbox: could not start a warm process", { error });
        if (this.active) this.active.monitor.end.spawnError = error;
      },
      closed: (code, signal) => this.exited(code, signal),
    });
    const boot: BootMessage = {
      t: "boot",
      v: PROTOCOL_VERSION,
      codeUrl: pathToFileURL(spawnSpec.codePath).href,
      hostPid: this.child.parentPid,
      cancelFile: this.cancelFile.path,
    };
    this.child.write(`${JSON.stringify(boot)}\n`);
  }

  /** Known once the spawner has started it. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get busy(): boolean {
    return this.active !== null;
  }

  run(o: SandboxRunOptions): SandboxRun {
    if (this.active || !this.reusable) throw new Error("warm process is not free");
    const nonce = randomBytes(32).toString("hex");
    const id = ++this.runs;
    this.firstRunAt ??= performance.now();
    const { promise, resolve } = deferred<SandboxOutcome>();
    const monitor = monitorRun(this.ctx, o, nonce, {
      pid: () => this.child.pid,
      killProcess: () => this.kill(),
      onTerminal: () => {
        run.resultIn = true;
        this.maybeEndRun();
      },
      onExiting: () => {
        this.reusable = false;
      },
      onStderrEnd: () => {
        run.stderrIn = true;
        this.maybeEndRun();
      },
      onReady: () => {
        if (this.started) return;
        this.started = true;
        this.events.started(this);
      },
    });
    const run: ActiveRun = {
      id,
      monitor,
      resultIn: false,
      stderrIn: false,
      settle: resolve,
    };
    this.active = run;
    const message: RunMessage = {
      t: "run",
      run: id,
      ...monitor.input,
      env: Object.fromEntries(PER_RUN_ENV.filter((n) => n in o.env).map((n) => [n, o.env[n]!])),
    };
    this.child.write(`${nonce}\n${JSON.stringify(message)}\n`);
    const child = this.child;
    return {
      get pid() {
        return child.pid ?? -1;
      },
      outcome: promise,
      requestCancel: () => {
        if (this.active !== run) return;
        this.child.write(`{"t":"cancel","run":${id}}\n`);
        try {
          this.cancelFile.create();
        } catch (error) {
          this.ctx.logger?.warn("sandbox: could not create the cancel file", {
            job_id: o.input.context.job_id,
            error,
            pid: this.pid,
          });
        }
      },
      kill: (reason) => {
        if (this.active === run) monitor.kill(reason);
      },
    };
  }

  /** Ends the process (idle or not); a run it serves fails with the reason already recorded. */
  kill(): void {
    this.reusable = false;
    if (this.gone) return;
    this.child.kill();
  }

  private maybeEndRun(): void {
    const run = this.active;
    if (!run || !run.resultIn || !run.stderrIn) return;
    this.finish(run, run.monitor.outcome(null, null));
    this.idleSince = Date.now();
    this.events.free(this);
  }

  private finish(run: ActiveRun, outcome: SandboxOutcome): void {
    run.monitor.stopTimers();
    this.cancelFile.remove();
    this.active = null;
    run.settle(outcome);
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.gone) return;
    this.gone = true;
    this.reusable = false;
    this.child.closeInput();
    const run = this.active;
    if (run) this.finish(run, run.monitor.outcome(code, signal));
    removeRunStorage(this.ctx.denoDir, this.origin).catch((error) =>
      this.ctx.logger?.warn("sandbox: could not remove a warm process's storage", { error }),
    );
    this.events.gone(this);
  }
}
