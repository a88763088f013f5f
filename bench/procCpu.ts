/**
 * CPU time from /proc: what Postgres's processes and this one have used, to split cost per job.
 * Processes below this one (job processes, the spawner that starts them): processTreeCpu() of the
 * sandbox.
 */
import { readdirSync, readFileSync } from "node:fs";

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
