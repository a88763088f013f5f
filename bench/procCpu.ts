/**
 * CPU time from /proc: what Postgres's processes and this one have used, to split cost per job.
 * Processes below this one (job processes, the spawner that starts them): processTreeCpu() of the
 * sandbox.
 */
import { processStats, ticksToMs } from "../sandbox/index.ts";

/** CPU milliseconds (user + system) used so far by every `postgres` process; null off Linux. */
export function postgresCpuMs(): number | null {
  const stats = processStats();
  if (!stats) return null;
  let ticks = 0;
  for (const stat of stats.values()) if (stat.comm === "postgres") ticks += stat.own;
  return ticksToMs(ticks);
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
