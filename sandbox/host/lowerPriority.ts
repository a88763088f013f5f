/**
 * Job processes run below the server's CPU priority, so job code that keeps every core busy cannot
 * starve the server's heartbeats, lease renewals and claims (seen: with 200 jobs starting at once,
 * the server's event loop stalled for seconds and leases lapsed while their jobs still ran).
 *
 * Two knobs, because of how Linux shares CPU: each job process is the leader of its own session
 * (for its process group), and with autogroup scheduling (the default on desktop and many server
 * kernels) every session is a group that gets an equal share of CPU whatever its processes' nice
 * values — 200 jobs, 200 shares, the server one. So the job's group is lowered too.
 */
import { existsSync, writeFileSync } from "node:fs";

/** The prefix that starts Deno at a lower priority (`nice` execs it in place: same pid). */
export function lowerPriority(niceness: number, nicePath: string): string[] {
  if (niceness <= 0 || !existsSync(nicePath)) return [];
  return [nicePath, "-n", String(clampNice(niceness))];
}

/** Lowers the scheduling group of a job process's session, where the kernel has one. */
export function lowerSessionGroup(pid: number | undefined, niceness: number): void {
  if (pid === undefined || niceness <= 0) return;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(clampNice(niceness)));
  } catch {
    // No autogroup here (another OS, or a kernel without it): nice alone decides.
  }
}

const clampNice = (niceness: number) => Math.min(19, Math.round(niceness));
