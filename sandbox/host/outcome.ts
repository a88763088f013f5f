/**
 * Decides how a run ended from what the host saw: the guest's last frame, the host's own reason for
 * killing it, and how the process exited. The first decisive event wins: a result that arrived
 * before a timeout fired still counts as completed.
 */
import type { GuestFrame } from "../protocol.ts";
import type { KillReason, SandboxOutcome } from "./types.ts";

export type HostKillReason = KillReason | "timeout" | "progress_timeout" | "memory";

export interface RunEnd {
  /** The result or error frame, when it arrived before any kill. */
  terminal?: Extract<GuestFrame, { t: "result" | "error" }>;
  killed?: HostKillReason;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** V8 said it ran out of heap (on stderr) before the process died. */
  heapExhausted: boolean;
  /** Resident memory when the watchdog fired. */
  rssMb?: number;
  /** An authenticated frame that could not be used. */
  badFrame?: string;
  spawnError?: Error;
  limits: { memoryMb: number; timeoutMs: number; progressTimeoutMs: number };
}

/** V8's fatal out-of-memory report, as Deno prints it on stderr. */
export const HEAP_EXHAUSTED =
  /Fatal (?:JavaScript|process) out of memory|Reached heap limit|heap out of memory/;

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))}`;

export function decideOutcome(end: RunEnd): SandboxOutcome {
  const { terminal, limits } = end;
  if (terminal?.t === "result") return { status: "completed", result: terminal.value };
  if (terminal?.t === "error") {
    return { status: "failed", reason: "error", message: terminal.message, stack: terminal.stack };
  }
  const failed = (reason: Extract<SandboxOutcome, { status: "failed" }>["reason"], message: string) =>
    ({ status: "failed", reason, message }) as const;

  switch (end.killed) {
    case "timeout":
      return failed("timeout", `Job exceeded its timeout of ${seconds(limits.timeoutMs)} seconds`);
    case "progress_timeout":
      return failed(
        "progress_timeout",
        `Job reported no progress for ${seconds(limits.progressTimeoutMs)} seconds (progress timeout)`,
      );
    case "memory":
      return failed(
        "memory",
        `Job exceeded its memory limit of ${limits.memoryMb} MB (resident memory reached ${end.rssMb} MB)`,
      );
    case "cancelled":
      return failed("cancelled", "Job was cancelled");
    case "terminated":
      return failed("killed", "Job was terminated");
    case "shutdown":
      return failed("killed", "Job was killed because the server is shutting down");
  }
  if (end.spawnError) return failed("crashed", `Could not start Deno: ${end.spawnError.message}`);
  // A clean exit code would mean the report was forged: only a dying V8 counts as out of memory.
  if (end.heapExhausted && end.exitCode !== 0 && end.exitCode !== 1) {
    return failed("memory", `Job ran out of memory: the V8 heap limit of ${limits.memoryMb} MB was reached`);
  }
  const how = end.signal ? `was killed by ${end.signal}` : `exited with code ${end.exitCode}`;
  const detail = end.badFrame ? ` (${end.badFrame})` : "";
  return failed("crashed", `Job process ${how} before reporting a result${detail}`);
}
