/** CPU time from /proc: what Postgres's processes and this one have used, to split cost per job. */
import { readdirSync, readFileSync } from "node:fs";
import { childrenCpuMs } from "../sandbox/index.ts";

const ticksPerSecond = 100; // USER_HZ on Linux

/** CPU milliseconds (user + system) used so far by every `postgres` process; null off Linux. */
export function postgresCpuMs(): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  let ticks = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces; fields follow the last ")".
      const close = stat.lastIndexOf(")");
      if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
      const fields = stat.slice(close + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return (ticks / ticksPerSecond) * 1000;
}

/** CPU milliseconds (user + system) used so far by this process. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Measures what `task` costs in CPU: this process and Postgres, in ms. */
export async function cpuOf<T>(
  task: () => Promise<T>,
): Promise<{ value: T; ownMs: number; postgresMs: number | null }> {
  const own = ownCpuMs();
  const pg = postgresCpuMs();
  const value = await task();
  const pgAfter = postgresCpuMs();
  return {
    value,
    ownMs: ownCpuMs() - own,
    postgresMs: pg === null || pgAfter === null ? null : pgAfter - pg,
  };
}

/**
 * CPU milliseconds of this process's children, live ones (warm Deno processes, read from /proc) and
 * reaped ones together, so a delta is right whether a child ended in between or not. Null off Linux.
 */
export function childProcessesCpuMs(): number | null {
  const reaped = childrenCpuMs();
  if (reaped === null) return null;
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== process.pid) continue; // ppid
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Ended between the listing and the read: now counted as reaped.
    }
  }
  return reaped + (ticks / ticksPerSecond) * 1000;
}
