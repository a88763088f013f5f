/** Looking at OS processes from a test: whether one is alive, and what it started. */
import { execFileSync } from "node:child_process";

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process below `pid` (children first, then theirs). */
export function descendants(pid: number): number[] {
  try {
    const out = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
    const children = out
      .split("\n")
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
    return children.flatMap((child) => [child, ...descendants(child)]);
  } catch {
    return [];
  }
}
