/**
 * Samples a run's resident memory. --max-old-space-size bounds the V8 heap, but ArrayBuffers live
 * outside it: `new Uint8Array(1e9)` in a loop would otherwise take the machine down. Linux only
 * (reads /proc/<pid>/status); elsewhere only the heap limit applies.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";

/** Starts sampling; returns the function that stops it. */
export function watchMemory(
  pid: number,
  limitMb: number,
  everyMs: number,
  onExceeded: (rssMb: number) => void,
) {
  if (process.platform !== "linux") return () => {};
  let busy = false;
  let stopped = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const mb = residentMbIn(await readFile(`/proc/${pid}/status`, "utf8"));
      if (!stopped && mb > limitMb) onExceeded(Math.round(mb));
    } catch {
      // The process is gone; the run's exit handling takes it from here.
    } finally {
      busy = false;
    }
  }, everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** Resident memory in MB now (Linux); 0 where /proc is not there, so only the heap limit applies. */
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
