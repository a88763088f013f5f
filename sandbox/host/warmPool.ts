/**
 * Warm processes, pooled by what a process is started with: the function version (code hash), its
 * permissions, its environment (less the per-run variables) and memory limit, the server URL and
 * denied hosts. A pool keeps one spare started ahead of demand and shrinks when idle. A process is
 * retired after `maxRuns` runs, when its resident memory passes the function's memory limit, when a
 * newer version of its function runs, or when it may not be reused (it was killed, or its run ended
 * in a way that leaves it unclean).
 *
 * A pool grows only as far as runs wait. A run that finds no idle process waits for the first one
 * free: one that finishes its run, or one started for it once the run has waited as long as a start
 * of the pool's processes has been taking (at least `growAfterMs`, at most `maxGrowWaitMs`), with at
 * most `maxStartingPerPool` starting at a time. Waiting that long first never more than doubles a
 * run's wait for a process, and a start costs ~30 ms of CPU (Deno and the spawner): a burst of short
 * runs is served by the first processes up instead of starting one per slot, the more so on a busy
 * machine where starts are slow, and runs that last get a process each after that wait.
 */
import { residentMb } from "./memoryWatch.ts";
import { QueuedRun } from "./queuedRun.ts";
import type { SandboxRunContext } from "./runContext.ts";
import { runDenoArgs, runEnv } from "./runJob.ts";
import { startLater } from "./startTurns.ts";
import type { SandboxRun, SandboxRunOptions, WarmLimits } from "./types.ts";
import { PER_RUN_ENV, WarmProcess, type WarmSpawn } from "./warmProcess.ts";

interface Pool {
  key: string;
  idle: WarmProcess[];
  all: Set<WarmProcess>;
  spawn: WarmSpawn;
  /** The function's memory limit: a process whose resident memory passes it after a run retires. */
  memoryMb: number;
  /** A spare is queued to start (startTurns.ts). */
  sparePending: boolean;
  /** Runs waiting for a process, oldest first. */
  waiting: QueuedRun[];
  /** Fires when the oldest waiting run's wait is up. */
  growTimer: NodeJS.Timeout | undefined;
  /** Moving average of how long its processes took to start and load the module (ms). */
  startMs: number | null;
}

/** The least a run waits for a busy process to free before one is started for it. */
export const growAfterMs = 25;
/** The most it waits, however slow starts have been. */
export const maxGrowWaitMs = 500;
/** Processes of one pool starting at once (serving a first run whose module has not loaded yet). */
export const maxStartingPerPool = 4;

export class WarmPools {
  private readonly pools = new Map<string, Pool>();
  /** The pool key each function (by `poolName`) ran with last: an older key's processes retire. */
  private readonly keyOfName = new Map<string, string>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly ctx: SandboxRunContext,
    private readonly limits: WarmLimits,
  ) {
    this.sweeper = setInterval(() => this.retireIdle(), Math.max(250, limits.idleMs / 4));
    this.sweeper.unref();
  }

  run(o: SandboxRunOptions): SandboxRun {
    const pool = this.poolFor(o);
    let proc = pool.idle.pop();
    while (proc && !proc.reusable) proc = pool.idle.pop();
    if (!proc && pool.all.size === 0 && pool.waiting.length === 0) proc = this.start(pool);
    const run = proc ? proc.run(o) : this.queue(pool, o);
    // The next run of this function finds a process that has already paid Deno's start-up, even
    // while this one runs (or a run that waits by then takes it). Started on a turn of its own;
    // past two processes, a pool grows by grow().
    if (pool.idle.length === 0 && pool.all.size < 2 && !pool.sparePending) {
      pool.sparePending = true;
      startLater(() => {
        pool.sparePending = false;
        if (this.closed || this.pools.get(pool.key) !== pool || pool.idle.length > 0) return;
        if (pool.all.size < 2) this.serveNext(pool, this.start(pool));
      });
    }
    return run;
  }

  private queue(pool: Pool, o: SandboxRunOptions): QueuedRun {
    const wait = Math.min(maxGrowWaitMs, Math.max(growAfterMs, pool.startMs ?? 0));
    const run = new QueuedRun(o, performance.now() + wait, (ended) => {
      const at = pool.waiting.indexOf(ended);
      if (at !== -1) pool.waiting.splice(at, 1);
    });
    pool.waiting.push(run);
    this.grow(pool);
    return run;
  }

  /**
   * Starts a process for the oldest waiting run once its wait is up, if fewer than
   * `maxStartingPerPool` are starting; one start per event-loop turn (startTurns.ts).
   */
  private grow(pool: Pool): void {
    clearTimeout(pool.growTimer);
    pool.growTimer = undefined;
    const next = pool.waiting[0];
    if (this.closed || !next) return;
    // With no process left to free, waiting serves nothing.
    const left = pool.all.size === 0 ? 0 : next.dueAt - performance.now();
    if (left > 0) {
      pool.growTimer = setTimeout(() => this.grow(pool), Math.ceil(left));
      pool.growTimer.unref();
      return;
    }
    let starting = 0;
    for (const p of pool.all) if (p.busy && !p.started) starting++;
    // At the limit, a process that starts or goes calls this again.
    if (starting >= maxStartingPerPool) return;
    pool.waiting.shift();
    next.bind(this.start(pool));
    if (pool.waiting.length > 0) startLater(() => this.grow(pool));
  }

  /** Hands a free process the oldest waiting run, or keeps it idle. */
  private serveNext(pool: Pool, proc: WarmProcess): void {
    const next = pool.waiting.shift();
    if (next) next.bind(proc);
    else pool.idle.push(proc);
  }

  /** Every warm process, idle or serving a run (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const pool of this.pools.values()) n += pool.all.size;
    return n;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const pool of this.pools.values()) {
      clearTimeout(pool.growTimer);
      for (const p of pool.all) p.kill();
    }
  }

  private poolFor(o: SandboxRunOptions): Pool {
    const { env, envNames } = runEnv(o);
    const staticEnv = Object.entries(env)
      .filter(([name]) => !PER_RUN_ENV.includes(name))
      .sort(([a], [b]) => a.localeCompare(b));
    const key = JSON.stringify([
      o.codeHash,
      o.permissions,
      o.serverUrl,
      o.deniedNet ?? [],
      o.memoryMb,
      staticEnv,
    ]);
    if (o.poolName !== undefined) {
      const previous = this.keyOfName.get(o.poolName);
      if (previous !== undefined && previous !== key) this.retirePool(previous);
      this.keyOfName.set(o.poolName, key);
    }
    let pool = this.pools.get(key);
    if (pool) return pool;
    const codePath = this.ctx.codeFiles.ensure(o.codeHash, o.code);
    const ctx = this.ctx;
    pool = {
      key,
      memoryMb: o.memoryMb,
      sparePending: false,
      waiting: [],
      growTimer: undefined,
      startMs: null,
      idle: [],
      all: new Set(),
      spawn: {
        codePath,
        env,
        args: (cancelFile, origin) =>
          runDenoArgs(ctx, o, {
            // The guest sets each run's own values of these.
            envNames: [...envNames, ...PER_RUN_ENV],
            guestFiles: [codePath, cancelFile],
            location: origin,
            mainPath: ctx.guest.warmPath,
          }),
      },
    };
    this.pools.set(key, pool);
    return pool;
  }

  private start(pool: Pool): WarmProcess {
    const proc = new WarmProcess(this.ctx, pool.spawn, {
      free: (p) => this.free(pool, p),
      gone: (p) => this.gone(pool, p),
      started: (p) => this.started(pool, p),
    });
    pool.all.add(proc);
    return proc;
  }

  private started(pool: Pool, proc: WarmProcess): void {
    // Timed only when the process had its run from the start: a spare's includes its idle time.
    if (proc.firstRunAt !== null && proc.firstRunAt - proc.createdAt < 5) {
      const ms = performance.now() - proc.createdAt;
      pool.startMs = pool.startMs === null ? ms : pool.startMs * 0.7 + ms * 0.3;
    }
    this.grow(pool);
  }

  private free(pool: Pool, proc: WarmProcess): void {
    const fit =
      !this.closed &&
      proc.reusable &&
      proc.runs < this.limits.maxRuns &&
      this.pools.get(pool.key) === pool &&
      residentMb(proc.pid ?? -1) <= pool.memoryMb;
    if (fit) this.serveNext(pool, proc);
    else proc.kill();
  }

  private gone(pool: Pool, proc: WarmProcess): void {
    pool.all.delete(proc);
    this.grow(pool);
    const at = pool.idle.indexOf(proc);
    if (at !== -1) pool.idle.splice(at, 1);
    const unused = pool.all.size === 0 && pool.idle.length === 0 && pool.waiting.length === 0;
    if (unused && this.pools.get(pool.key) === pool) {
      this.pools.delete(pool.key);
    }
  }

  private retirePool(key: string): void {
    const pool = this.pools.get(key);
    if (!pool) return;
    this.pools.delete(key);
    // Idle ones now; busy ones when their run ends (free() sees the pool is no longer current).
    for (const p of pool.idle.splice(0)) p.kill();
  }

  private retireIdle(): void {
    const cutoff = Date.now() - this.limits.idleMs;
    for (const pool of this.pools.values()) {
      for (const p of [...pool.idle]) if (p.idleSince < cutoff) p.kill();
    }
  }
}
