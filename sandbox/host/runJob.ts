/**
 * One job run in a process of its own: spawn Deno in its own process group with explicit flags and
 * environment (through `setpriv --pdeathsig KILL` in main-isolate mode, see runMode.ts), hand it its
 * input on stdin, watch it (runMonitor.ts), and settle one outcome when the process is gone.
 */
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { encodeHandshake, encodeHostMessage, type InitMessage, PROTOCOL_VERSION } from "../protocol.ts";
import { CancelFile } from "./cancelFile.ts";
import { buildDenoArgs, type DenoArgsInput } from "./denoArgs.ts";
import type { GuestEvents, GuestProcess } from "./guestProcess.ts";
import { isPassableEnvName, sanitizeJobEnv } from "./jobEnv.ts";
import { LineSplitter } from "./lineSplitter.ts";
import { lowerSessionGroup } from "./lowerPriority.ts";
import type { SandboxRunContext } from "./runContext.ts";
import { monitorRun } from "./runMonitor.ts";
import { removeRunStorage, runOrigin } from "./runStorage.ts";
import type { SandboxOutcome, SandboxRun, SandboxRunOptions } from "./types.ts";

/** How long a guest may linger after its last frame before it is killed anyway. */
const EXIT_GRACE_MS = 2_000;

export function runJob(ctx: SandboxRunContext, o: SandboxRunOptions): SandboxRun {
  const codePath = ctx.codeFiles.ensure(o.codeHash, o.code);
  const nonce = randomBytes(32).toString("hex");
  const origin = runOrigin();
  const jobId = o.input.context.job_id;

  const { env, envNames } = runEnv(o);
  const { mode, guest } = ctx;
  const cancelFile = mode.kind === "main" ? new CancelFile(ctx.cancelDir) : null;
  const args = runDenoArgs(ctx, o, {
    envNames,
    guestFiles: mode.kind === "main" ? [codePath, cancelFile!.path] : [guest.workerPath, codePath],
    location: origin,
    mainPath: mode.kind === "main" ? guest.inlinePath : guest.supervisorPath,
  });
  // The monitor's hooks reach the process only once it has been asked for, below.
  const monitor = monitorRun(ctx, o, nonce, {
    pid: () => child.pid,
    killProcess: () => child.kill(),
    // The guest exits right after its last frame; one that does not is not waited for.
    onTerminal: () => setTimeout(() => monitor.kill(null), EXIT_GRACE_MS).unref(),
  });
  const stdout = new LineSplitter({
    headBytes: monitor.prefix.length,
    limitFor: (head) => (monitor.prefix.equals(head) ? monitor.maxFrameBytes : monitor.maxLogLineBytes),
    onLine: monitor.stdoutLine,
  });
  const stderr = new LineSplitter({
    headBytes: 1,
    limitFor: () => monitor.maxLogLineBytes,
    onLine: monitor.stderrLine,
  });
  const { promise: outcome, resolve: resolveOutcome } = deferred<SandboxOutcome>();
  // Called once: the spawner reports a process closed only once.
  const settle = (exitCode: number | null, signal: NodeJS.Signals | null) => {
    monitor.stopTimers();
    cancelFile?.remove();
    stdout.end();
    stderr.end();
    const result = monitor.outcome(exitCode, signal);
    // The run's localStorage goes with it; the outcome waits for that, so nothing outlives the run.
    removeRunStorage(ctx.denoDir, origin)
      .catch((error) =>
        ctx.logger?.warn("sandbox: could not remove a run's storage", { job_id: jobId, error }),
      )
      .finally(() => resolveOutcome(result));
  };
  const child = spawnGuest(ctx, args, env, {
    stdout: (chunk) => stdout.push(chunk),
    stderr: (chunk) => stderr.push(chunk),
    failed: (error) => {
      monitor.end.spawnError = error;
    },
    closed: settle,
  });

  const init: InitMessage = {
    t: "init",
    v: PROTOCOL_VERSION,
    codeUrl: pathToFileURL(codePath).href,
    ...monitor.input,
    hostPid: child.parentPid,
    cancelFile: cancelFile?.path ?? null,
  };
  // stdin stays open for the whole run: cancel requests follow, and its closing is how a guest whose
  // job awaits learns that this process died (a spinning one gets the parent-death signal, or has a
  // supervising thread in Worker mode).
  child.write(encodeHandshake(nonce, init));

  return {
    get pid() {
      return child.pid ?? -1;
    },
    outcome,
    requestCancel() {
      if (child.exited) return;
      child.write(encodeHostMessage({ t: "cancel" }));
      try {
        cancelFile?.create();
      } catch (error) {
        ctx.logger?.warn("sandbox: could not create the cancel file", {
          job_id: jobId,
          error,
          pid: child.pid,
        });
      }
    },
    kill(reason) {
      monitor.kill(reason);
    },
  };
}

/**
 * The run's environment (re-filtered here whatever the caller built) and the names it may read:
 * those set, plus unset names the function lists, so Deno.env.get() returns undefined instead of
 * throwing for them.
 */
export function runEnv(o: SandboxRunOptions): { env: Record<string, string>; envNames: string[] } {
  const env = sanitizeJobEnv({ ...o.env, FLUXBASE_URL: o.serverUrl });
  return { env, envNames: [...Object.keys(env), ...o.permissions.env.filter((n) => isPassableEnvName(n))] };
}

/** A run's `deno run` flags: its permissions and limits, plus what the process that serves it reads. */
export function runDenoArgs(
  ctx: SandboxRunContext,
  o: SandboxRunOptions,
  serving: Pick<DenoArgsInput, "envNames" | "guestFiles" | "location" | "mainPath">,
): string[] {
  return buildDenoArgs({
    permissions: o.permissions,
    serverUrl: o.serverUrl,
    deniedNet: o.deniedNet ?? [],
    memoryMb: o.memoryMb,
    cwd: ctx.cwd,
    protectedDirs: ctx.protectedDirs,
    ...serving,
  });
}

/**
 * Starts Deno (through the spawner, off the server's event loop) in its own process group, so a kill
 * takes everything the run started, with exactly this environment plus what Deno itself needs. In
 * main-isolate mode through setpriv: the kernel kills it when the spawner dies, which dies with the
 * server the same way.
 */
export function spawnGuest(
  ctx: SandboxRunContext,
  args: string[],
  env: Record<string, string>,
  events: GuestEvents,
): GuestProcess {
  const { mode } = ctx;
  const [command, ...commandArgs] =
    mode.kind === "main"
      ? [mode.setprivPath, "--pdeathsig", "KILL", "--", ...ctx.launcher, ctx.denoPath, ...args]
      : [...ctx.launcher, ctx.denoPath, ...args];
  return ctx.spawner.spawn(
    {
      command: command!,
      args: commandArgs,
      cwd: ctx.cwd,
      env: { ...env, HOME: ctx.homeDir, DENO_DIR: ctx.denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    },
    {
      ...events,
      started: (pid) => {
        lowerSessionGroup(pid, ctx.limits.niceness);
        events.started?.(pid);
      },
    },
  );
}

/** Node 20 has no Promise.withResolvers. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
