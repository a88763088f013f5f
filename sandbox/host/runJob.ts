/**
 * One job run: spawn Deno in its own process group with explicit flags and environment (through
 * `setpriv --pdeathsig KILL` in main-isolate mode, see runMode.ts), hand it its input on stdin, read frames and logs from its output, enforce the time and memory limits,
 * and settle one outcome when the process is gone.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import {
  encodeHandshake,
  encodeHostMessage,
  type GuestFrame,
  type InitMessage,
  PROTOCOL_VERSION,
} from "../protocol.ts";
import type { GuestBundle } from "./buildGuest.ts";
import { CancelFile } from "./cancelFile.ts";
import type { CodeFiles } from "./codeFiles.ts";
import { buildDenoArgs } from "./denoArgs.ts";
import { isPassableEnvName, sanitizeJobEnv } from "./jobEnv.ts";
import { LineSplitter } from "./lineSplitter.ts";
import { createLogSink } from "./logSink.ts";
import { watchMemory } from "./memoryWatch.ts";
import { decideOutcome, HEAP_EXHAUSTED, type HostKillReason, type RunEnd } from "./outcome.ts";
import { adviseOnPermissions } from "./permissionAdvice.ts";
import type { RunMode } from "./runMode.ts";
import { removeRunStorage, runOrigin } from "./runStorage.ts";
import { createSecretMasker } from "./secretMask.ts";
import { createStdoutChannel } from "./stdoutChannel.ts";
import type { SandboxLimits, SandboxLogger, SandboxOutcome, SandboxRun, SandboxRunOptions } from "./types.ts";

export interface SandboxRunContext {
  denoPath: string;
  guest: GuestBundle;
  mode: RunMode;
  codeFiles: CodeFiles;
  /** Where main-isolate runs' cancel files go. */
  cancelDir: string;
  denoDir: string;
  homeDir: string;
  /** Kept out of the job's reach (the data dir). */
  protectedDirs: string[];
  cwd: string;
  limits: SandboxLimits;
  logger?: SandboxLogger;
}

/** How long a guest may linger after its last frame before it is killed anyway. */
const EXIT_GRACE_MS = 2_000;

export function runJob(ctx: SandboxRunContext, o: SandboxRunOptions): SandboxRun {
  const codePath = ctx.codeFiles.ensure(o.codeHash, o.code);
  const nonce = randomBytes(32).toString("hex");
  const origin = runOrigin();
  const secrets = o.input.secrets ?? { system: {}, user: {} };
  const masker = createSecretMasker([...Object.values(secrets.system), ...Object.values(secrets.user)]);
  const maxResultBytes = o.maxResultBytes ?? ctx.limits.maxResultBytes;
  const limits = { memoryMb: o.memoryMb, timeoutMs: o.timeoutMs, progressTimeoutMs: o.progressTimeoutMs };

  const env = sanitizeJobEnv({ ...o.env, FLUXBASE_URL: o.serverUrl });
  // Names the function may read but that are unset still get permission: Deno.env.get() then
  // returns undefined instead of throwing.
  const envNames = [...Object.keys(env), ...o.permissions.env.filter((n) => isPassableEnvName(n))];
  const { mode, guest } = ctx;
  const cancelFile = mode.kind === "main" ? new CancelFile(ctx.cancelDir) : null;
  const args = buildDenoArgs({
    permissions: o.permissions,
    serverUrl: o.serverUrl,
    deniedNet: o.deniedNet ?? [],
    envNames,
    memoryMb: o.memoryMb,
    cwd: ctx.cwd,
    guestFiles: mode.kind === "main" ? [codePath, cancelFile!.path] : [guest.workerPath, codePath],
    protectedDirs: ctx.protectedDirs,
    location: origin,
    mainPath: mode.kind === "main" ? guest.inlinePath : guest.supervisorPath,
  });
  // The parent-death signal is tied to the thread that forks: libuv spawns on Node's main thread,
  // which lives as long as the server process does.
  const [command, ...commandArgs] =
    mode.kind === "main"
      ? [mode.setprivPath, "--pdeathsig", "KILL", "--", ctx.denoPath, ...args]
      : [ctx.denoPath, ...args];

  const child: ChildProcess = spawn(command!, commandArgs, {
    cwd: ctx.cwd,
    // Explicit, never process.env: this plus what Deno itself needs.
    env: { ...env, HOME: ctx.homeDir, DENO_DIR: ctx.denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
    // Its own process group, so a kill takes everything the run started.
    detached: true,
  });

  const end: Omit<RunEnd, "exitCode" | "signal"> = { heapExhausted: false, limits };
  let settled = false;
  let exited = false;
  const { promise: outcome, resolve: resolveOutcome } = deferred<SandboxOutcome>();

  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      ctx.logger?.warn(`sandbox: ${what} callback threw`, { error, pid: child.pid });
    }
  };
  // Deno's "run again with --allow-net" becomes the annotation the job's author can add.
  const scope = { deniedNet: o.deniedNet ?? [], protectedDirs: ctx.protectedDirs };
  const advise = (text: string) => adviseOnPermissions(text, scope);
  const log = createLogSink({
    maxLineBytes: ctx.limits.maxLogLineBytes,
    maxTotalBytes: ctx.limits.maxLogBytes,
    masker,
    rewrite: advise,
    onLog: (line) => guard("onLog", () => o.onLog(line)),
  });
  const maxLogLineBytes = ctx.limits.maxLogLineBytes + masker.longestBytes + 16;

  const killGroup = (reason: HostKillReason | null) => {
    if (reason && !end.terminal && !end.killed) end.killed = reason;
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };

  const startedAt = Date.now();
  const timers: NodeJS.Timeout[] = [];
  const timeout = setTimeout(() => killGroup("timeout"), timerMs(o.timeoutMs));
  let progressTimer: NodeJS.Timeout | undefined;
  const armProgressTimer = () => {
    if (o.progressTimeoutMs <= 0) return;
    clearTimeout(progressTimer);
    progressTimer = setTimeout(() => killGroup("progress_timeout"), timerMs(o.progressTimeoutMs));
  };
  armProgressTimer();
  timers.push(timeout);
  const stopMemoryWatch =
    child.pid === undefined
      ? () => {}
      : watchMemory(child.pid, o.memoryMb + ctx.limits.rssHeadroomMb, ctx.limits.rssSampleMs, (rssMb) => {
          end.rssMb = rssMb;
          killGroup("memory");
        });
  const stopTimers = () => {
    for (const t of timers) clearTimeout(t);
    clearTimeout(progressTimer);
    stopMemoryWatch();
  };

  const mask = (text?: string) => (text === undefined ? undefined : advise(masker.mask(text)));
  const onFrame = (frame: GuestFrame) => {
    if (end.terminal || end.killed) return;
    if (frame.t === "progress") {
      armProgressTimer();
      const message = frame.message === undefined ? undefined : masker.mask(frame.message);
      return guard("onProgress", () => o.onProgress({ percent: frame.percent, message, data: frame.data }));
    }
    if (frame.t === "ready") return;
    if (frame.t === "error") {
      if (frame.stack) log.entry(frame.stack, "error");
      end.terminal = { t: "error", message: mask(frame.message)!, stack: mask(frame.stack) };
    } else {
      end.terminal = frame;
    }
    stopTimers();
    // The guest exits right after its last frame; one that does not is not waited for.
    timers.push(setTimeout(() => killGroup(null), EXIT_GRACE_MS).unref());
  };

  const stdout = createStdoutChannel({
    nonce,
    maxFrameBytes: Math.max(maxResultBytes, 256 * 1024) + 4096,
    maxLogLineBytes,
    log,
    onFrame,
    onBadFrame: (problem) => {
      end.badFrame = problem;
      ctx.logger?.warn("sandbox: unusable frame from guest", { problem, pid: child.pid });
    },
  });
  const stderr = new LineSplitter({
    headBytes: 1,
    limitFor: () => maxLogLineBytes,
    onLine(line, droppedBytes) {
      const text = line.toString("utf8");
      if (HEAP_EXHAUSTED.test(text)) end.heapExhausted = true;
      log.write(text, "error", droppedBytes);
    },
  });
  child.stdout!.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk));
  // EPIPE once the child is gone is expected; the exit tells the story.
  child.stdin!.on("error", () => {});

  const settle = (exitCode: number | null, signal: NodeJS.Signals | null) => {
    if (settled) return;
    settled = true;
    exited = true;
    stopTimers();
    child.stdin!.destroy();
    cancelFile?.remove();
    stdout.end();
    stderr.end();
    const outcome = decideOutcome({ ...end, exitCode, signal });
    // The run's localStorage goes with it; the outcome waits for that, so nothing outlives the run.
    removeRunStorage(ctx.denoDir, origin)
      .catch((error) => ctx.logger?.warn("sandbox: could not remove a run's storage", { error }))
      .finally(() => resolveOutcome(outcome));
  };
  child.on("error", (error) => {
    if (child.pid !== undefined) return ctx.logger?.warn("sandbox: child process error", { error });
    end.spawnError = error;
    settle(null, null);
  });
  child.on("exit", () => {
    exited = true;
  });
  child.on("close", (code, signal) => settle(code, signal));

  const init: InitMessage = {
    t: "init",
    v: PROTOCOL_VERSION,
    codeUrl: pathToFileURL(codePath).href,
    serverUrl: o.serverUrl,
    context: { ...o.input.context, payload: o.input.payload },
    userToken: o.input.userToken,
    serviceToken: o.input.serviceToken,
    secrets,
    maxResultBytes,
    deadline: startedAt + o.timeoutMs,
    hostPid: process.pid,
    cancelFile: cancelFile?.path ?? null,
  };
  // stdin stays open for the whole run: cancel requests follow, and its closing is how a guest whose
  // job awaits learns that this process died (a spinning one gets the parent-death signal, or has a
  // supervising thread in Worker mode).
  child.stdin!.write(encodeHandshake(nonce, init));

  return {
    pid: child.pid ?? -1,
    outcome,
    requestCancel() {
      if (exited) return;
      if (child.stdin!.writable) child.stdin!.write(encodeHostMessage({ t: "cancel" }));
      try {
        cancelFile?.create();
      } catch (error) {
        ctx.logger?.warn("sandbox: could not create the cancel file", { error, pid: child.pid });
      }
    },
    kill(reason) {
      killGroup(reason);
    },
  };
}

/** setTimeout fires at once for delays past 2^31-1 ms (~24.8 days); longer means "that long". */
function timerMs(ms: number): number {
  return Math.min(Math.max(ms, 0), 2 ** 31 - 1);
}

/** Node 20 has no Promise.withResolvers. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
