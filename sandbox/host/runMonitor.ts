/**
 * What the host watches during one run, whichever process serves it (a process of its own, or a warm
 * one): the run's log sink (masked, capped), its frames (authenticated by the run's nonce), the
 * wall-clock, progress and memory limits, and the outcome once the run is over.
 */
import { framePrefix, type GuestFrame, type InitMessage } from "../protocol.ts";
import { createLogSink, type LogSink } from "./logSink.ts";
import { watchMemory } from "./memoryWatch.ts";
import { decideOutcome, HEAP_EXHAUSTED, type HostKillReason, type RunEnd } from "./outcome.ts";
import { adviseOnPermissions } from "./permissionAdvice.ts";
import type { SandboxRunContext } from "./runContext.ts";
import { createSecretMasker } from "./secretMask.ts";
import { frameLineHandler } from "./stdoutChannel.ts";
import type { SandboxOutcome, SandboxRunOptions } from "./types.ts";

export interface RunMonitor {
  end: Omit<RunEnd, "exitCode" | "signal">;
  /** The run's frame prefix (tag and nonce) and the byte limits for its stdout lines. */
  prefix: Buffer;
  maxFrameBytes: number;
  maxLogLineBytes: number;
  log: LogSink;
  stdoutLine(line: Buffer, droppedBytes: number): void;
  stderrLine(line: Buffer, droppedBytes: number): void;
  /** Records why the host stops the run (the first reason wins) and kills what serves it. */
  kill(reason: HostKillReason | null): void;
  stopTimers(): void;
  outcome(exitCode: number | null, signal: NodeJS.Signals | null): SandboxOutcome;
  /** What the guest is told about the run, whichever message carries it (init or run). */
  input: Pick<
    InitMessage,
    "serverUrl" | "context" | "userToken" | "serviceToken" | "secrets" | "maxResultBytes" | "deadline"
  >;
}

export interface RunMonitorHooks {
  /** The process's pid, once it runs. */
  pid(): number | undefined;
  /** Kills the process that serves the run. */
  killProcess(): void;
  /** A result or error frame arrived (the run is over from the guest's side). */
  onTerminal(): void;
  /** The guest announced that its process ends after this run (warm mode). */
  onExiting?(): void;
  /** The run's end marker arrived on stderr: all it wrote there is in (warm mode). */
  onStderrEnd?(): void;
  /** The job's module is loaded and its handler called (warm mode: the process is up). */
  onReady?(): void;
}

export function monitorRun(
  ctx: SandboxRunContext,
  o: SandboxRunOptions,
  nonce: string,
  hooks: RunMonitorHooks,
): RunMonitor {
  const secrets = o.input.secrets ?? { system: {}, user: {} };
  const masker = createSecretMasker([...Object.values(secrets.system), ...Object.values(secrets.user)]);
  const maxResultBytes = o.maxResultBytes ?? ctx.limits.maxResultBytes;
  const limits = { memoryMb: o.memoryMb, timeoutMs: o.timeoutMs, progressTimeoutMs: o.progressTimeoutMs };
  const end: RunMonitor["end"] = { heapExhausted: false, limits };
  const { pid } = hooks;
  const { job_id } = o.input.context;

  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      ctx.logger?.warn(`sandbox: ${what} callback threw`, { job_id, error, pid: pid() });
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
  const maxFrameBytes = Math.max(maxResultBytes, 256 * 1024) + 4096;

  const kill = (reason: HostKillReason | null) => {
    if (reason && !end.terminal && !end.killed) end.killed = reason;
    hooks.killProcess();
  };
  const timers: NodeJS.Timeout[] = [setTimeout(() => kill("timeout"), timerMs(o.timeoutMs))];
  let progressTimer: NodeJS.Timeout | undefined;
  const armProgressTimer = () => {
    if (o.progressTimeoutMs <= 0) return;
    clearTimeout(progressTimer);
    progressTimer = setTimeout(() => kill("progress_timeout"), timerMs(o.progressTimeoutMs));
  };
  armProgressTimer();
  const stopMemoryWatch = watchMemory(
    pid,
    o.memoryMb + ctx.limits.rssHeadroomMb,
    ctx.limits.rssSampleMs,
    (rssMb) => {
      end.rssMb = rssMb;
      kill("memory");
    },
  );
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
    if (frame.t === "ready") return hooks.onReady?.();
    if (frame.t === "end") return;
    if (frame.t === "exiting") return hooks.onExiting?.();
    if (frame.t === "error") {
      if (frame.stack) log.entry(frame.stack, "error");
      end.terminal = { t: "error", message: mask(frame.message)!, stack: mask(frame.stack) };
    } else {
      end.terminal = frame;
    }
    stopTimers();
    hooks.onTerminal();
  };

  const prefix = Buffer.from(framePrefix(nonce));
  const onBadFrame = (problem: string) => {
    end.badFrame = problem;
    ctx.logger?.warn("sandbox: unusable frame from guest", { job_id, problem, pid: pid() });
  };
  const stdoutLine = frameLineHandler({ prefix, maxFrameBytes, log, onFrame, onBadFrame });
  const stderrLine = frameLineHandler({
    prefix,
    maxFrameBytes,
    fallbackLevel: "error",
    log: {
      ...log,
      write(text, level, droppedBytes) {
        if (HEAP_EXHAUSTED.test(text)) end.heapExhausted = true;
        log.write(text, level, droppedBytes);
      },
    },
    onFrame: (frame) => {
      if (frame.t === "end") hooks.onStderrEnd?.();
    },
    onBadFrame,
  });
  return {
    end,
    prefix,
    maxFrameBytes,
    maxLogLineBytes,
    log,
    stdoutLine,
    stderrLine,
    kill,
    stopTimers,
    outcome: (exitCode, signal) => decideOutcome({ ...end, exitCode, signal }),
    input: {
      serverUrl: o.serverUrl,
      context: { ...o.input.context, payload: o.input.payload },
      userToken: o.input.userToken,
      serviceToken: o.input.serviceToken,
      secrets,
      maxResultBytes,
      deadline: Date.now() + o.timeoutMs,
    },
  };
}

/** setTimeout fires at once for delays past 2^31-1 ms (~24.8 days); longer means "that long". */
function timerMs(ms: number): number {
  return Math.min(Math.max(ms, 0), 2 ** 31 - 1);
}
