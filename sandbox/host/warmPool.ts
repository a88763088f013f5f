/**
 * Warm processes, pooled by what a process is started with: the function version (code hash), its
 * permissions, its environment (less the per-run variables) and memory limit, the server URL and
 * denied hosts. A pool grows to the runs it serves at once, keeps one spare started ahead of demand,
 * and shrinks when idle. A process is retired after `maxRuns` runs, when its resident memory passes
 * the function's memory limit, when a newer version of its function runs, or when it may not be
 * reused (it was killed, or its run ended in a way that leaves it unclean).
 */
import { residentMb } from "./memoryWatch.ts";
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
}

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
    proc ??= this.start(pool);
    const run = proc.run(o);
    // The next run of this function finds a process that has already paid Deno's start-up. Started
    // on a turn of its own, so a burst of runs does not also spawn a burst of spares.
    if (pool.idle.length === 0 && !pool.sparePending) {
      pool.sparePending = true;
      startLater(() => {
        pool.sparePending = false;
        if (this.closed || this.pools.get(pool.key) !== pool || pool.idle.length > 0) return;
        pool.idle.push(this.start(pool));
      });
    }
    return run;
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
    for (const pool of this.pools.values()) for (const p of pool.all) p.kill();
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
    const proc = new WarmProcess(
      this.ctx,
      pool.spawn,
      (p) => this.free(pool, p),
      (p) => this.gone(pool, p),
    );
    pool.all.add(proc);
    return proc;
  }

  private free(pool: Pool, proc: WarmProcess): void {
    const fit =
      !this.closed &&
      proc.reusable &&
      proc.runs < this.limits.maxRuns &&
      this.pools.get(pool.key) === pool &&
      residentMb(proc.pid ?? -1) <= pool.memoryMb;
    if (fit) pool.idle.push(proc);
    else proc.kill();
  }

  private gone(pool: Pool, proc: WarmProcess): void {
    pool.all.delete(proc);
    const at = pool.idle.indexOf(proc);
    if (at !== -1) pool.idle.splice(at, 1);
    if (pool.all.size === 0 && this.pools.get(pool.key) === pool && pool.idle.length === 0) {
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
