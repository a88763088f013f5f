/**
 * Samples a run's resident memory. --max-old-space-size bounds the V8 heap, but ArrayBuffers live
 * outside it: `new Uint8Array(1e9)` in a loop would otherwise take the machine down. Linux only
 * (reads /proc/<pid>/status); elsewhere only the heap limit applies.
 */
import { readFileSync } from "node:fs";

/** Starts sampling; returns the function that stops it. */
export function watchMemory(
  /** Undefined until the process runs. */
  pid: () => number | undefined,
  limitMb: number,
  everyMs: number,
  onExceeded: (rssMb: number) => void,
) {
  if (process.platform !== "linux") return () => {};
  let stopped = false;
  // A synchronous read: /proc is served from memory, and the async form cost four thread-pool
  // round trips per sample (~0.15 ms of the server's CPU per run when the server runs hundreds/s).
  const timer = setInterval(() => {
    const id = pid();
    const mb = id === undefined ? 0 : residentMb(id);
    if (!stopped && mb > limitMb) onExceeded(Math.round(mb));
  }, everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/**
 * Resident memory in MB now (Linux); 0 where /proc is not there (only the heap limit applies) or the
 * process is gone (its exit handling takes it from there).
 */
export function residentMb(pid: number): number {
  try {
    return residentMbIn(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return 0;
  }
}

function residentMbIn(status: string): number {
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0) / 1024;
}
