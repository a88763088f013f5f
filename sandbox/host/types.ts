/** The sandbox's public shapes: what a caller passes to run a job and what it gets back. */
import type { GuestJobContext } from "../protocol.ts";

/** What a function's `@fluxbase:allow-*` annotations grant. */
export interface SandboxPermissions {
  /** false: only the server; true: every host except `deniedNet`; a list: those hosts and the server. */
  net: boolean | string[];
  /** Names of environment variables the job may read (the caller puts their values in `env`). */
  env: string[];
  /** Paths (absolute, or relative to the server's working directory) the job may read. */
  read: string[];
  /** Paths the job may write. */
  write: string[];
}

export interface JobProgress {
  /** 0..100. */
  percent: number;
  message?: string;
  data?: unknown;
}

/** The identity and input of one run, as the job sees it (`job.getJobContext()`). */
export type JobContext = GuestJobContext;

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface SandboxLogLine {
  level: LogLevel;
  message: string;
}

export interface SandboxRunOptions {
  /** ESM bundle of the job function (esbuild output), as stored in the database. */
  code: string;
  /** Stable cache key for the files written for this code (the sha256 hex of `code`). */
  codeHash: string;
  permissions: SandboxPermissions;
  /** Becomes FLUXBASE_URL; its host:port is always reachable. */
  serverUrl: string;
  /**
   * Hosts the job must never reach, even with `net: true` or a host list (the database above all).
   * `host:port`, `ip:port` or CIDR; loopback entries are widened to every loopback address.
   */
  deniedNet?: string[];
  /** Environment for the job, already filtered by `buildJobEnv`. Nothing else is inherited. */
  env: Record<string, string>;
  /** V8 heap limit; resident memory is also capped (see `SandboxLimits.rssHeadroomMb`). */
  memoryMb: number;
  timeoutMs: number;
  /** Fail when no progress arrives for this long since start or the last report; 0 disables. */
  progressTimeoutMs: number;
  /** @default the sandbox's `limits.maxResultBytes` */
  maxResultBytes?: number;
  input: {
    payload: unknown;
    context: JobContext;
    userToken: string | null;
    serviceToken: string;
    secrets?: { system: Record<string, string>; user: Record<string, string> };
  };
  onProgress(progress: JobProgress): void;
  onLog(line: SandboxLogLine): void;
  /**
   * "warm": a process kept for this code and permission set serves the run and then the next one
   * (main-isolate mode only; elsewhere a process per run). "process": a process of its own.
   * @default "process"
   */
  isolation?: Isolation;
  /** Names the function: when it runs with another pool key (a new version), the old processes retire. */
  poolName?: string;
}

export type Isolation = "warm" | "process";

/** How warm processes are kept. Every field has a default in `defaultWarmLimits`. */
export interface WarmLimits {
  /** A process is retired after this many runs. @default 1000 */
  maxRuns: number;
  /** An idle process is stopped after this long. @default 60000 */
  idleMs: number;
}

export type FailureReason =
  | "error"
  | "timeout"
  | "progress_timeout"
  | "memory"
  | "crashed"
  | "killed"
  | "cancelled";

export type SandboxOutcome =
  | { status: "completed"; result: unknown }
  | { status: "failed"; reason: FailureReason; message: string; stack?: string };

export type KillReason = "cancelled" | "terminated" | "shutdown";

export interface SandboxRun {
  pid: number;
  /** Settles once the process is gone; never rejects. */
  outcome: Promise<SandboxOutcome>;
  /** Cooperative: `job.isCancelled()` turns true and `job.signal` aborts; the job decides when to stop. */
  requestCancel(): void;
  /** Immediate SIGKILL of the whole process group. */
  kill(reason: KillReason): void;
}

export interface Sandbox {
  /** Builds the guest bundle and checks that Deno runs; call once before `run`. */
  prepare(): Promise<void>;
  run(options: SandboxRunOptions): SandboxRun;
  /**
   * Why a run with these file grants would reach the data dir through a link, or null. Call it
   * before `run` when the permissions grant files (results are reused for a few seconds).
   */
  checkGrants(permissions: Pick<SandboxPermissions, "read" | "write">): Promise<string | null>;
  /**
   * Resolves on an event-loop turn of its own. A caller that starts many runs at once awaits it
   * before each `run`, so their process starts (each blocks the event loop) spread out between
   * timers and I/O instead of stalling them all together.
   */
  startTurn(): Promise<void>;
  /** How many warm processes are alive (idle or serving a run). */
  warmProcesses(): number;
  /** Kills every live child and waits for their outcomes. */
  close(): Promise<void>;
}

export interface SandboxLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Per-run caps. Every field has a default in `defaultSandboxLimits`. */
export interface SandboxLimits {
  /** Longest log line kept; longer lines are cut and marked. @default 8192 */
  maxLogLineBytes: number;
  /** Log volume per run; then one "log limit reached" line and the rest is dropped. @default 1048576 */
  maxLogBytes: number;
  /** Largest JSON result. @default 16777216 */
  maxResultBytes: number;
  /**
   * ArrayBuffers live outside the V8 heap, so resident memory is watched too: the run is killed
   * when it exceeds `memoryMb + rssHeadroomMb`. @default 192
   */
  rssHeadroomMb: number;
  /** How often resident memory is sampled (Linux only). @default 100 */
  rssSampleMs: number;
  /**
   * Job processes run this much below the server's CPU priority (`nice`), so jobs that keep every
   * core busy cannot starve the server's heartbeats, lease renewals and claims (at 10, 200 jobs
   * starting at once still did). Not 19: a job on a busy machine then got so little CPU that it
   * missed its own deadline signal. 0: same priority. @default 15
   */
  niceness: number;
}

/**
 * Where job code runs: "main" (Deno's main isolate, started through `setpriv --pdeathsig KILL`),
 * "worker" (a Web Worker; about twice the CPU per run), or "auto" ("main" when setpriv works here).
 */
export type JobThread = "auto" | "main" | "worker";

export interface CreateSandboxOptions {
  /** The server's data directory; the sandbox works under `<dataDir>/sandbox`. */
  dataDir: string;
  logger?: SandboxLogger;
  /**
   * Deno itself, or a script that `exec`s it: the guest refuses to run unless its parent is this
   * process (see ../README.md, "Parent-death signal"). @default the binary of the pinned `deno` npm package
   */
  denoPath?: string;
  /** Working directory of every run; relative permission paths resolve against it. @default process.cwd() */
  cwd?: string;
  limits?: Partial<SandboxLimits>;
  /** Module that provides `createClient` to the guest. @default the repository's sdk/src/index.ts */
  sdkEntry?: string;
  /**
   * Where job code runs. "main" needs Linux and util-linux's setpriv (the kernel kills a run when
   * the server dies) and fails `prepare()` without them; "auto" falls back to "worker" with a
   * logged warning. @default "auto"
   */
  jobThread?: JobThread;
  /** @default "/usr/bin/setpriv" */
  setprivPath?: string;
  /** Lowers job processes' priority (`limits.niceness`); where it is missing they run at the server's. @default "/usr/bin/nice" */
  nicePath?: string;
  warm?: Partial<WarmLimits>;
}
