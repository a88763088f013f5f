/**
 * CPU used below this process, from /proc (Linux), split the way the bench reports it: the sandboxes'
 * spawners (../spawner/spawner.mjs: work the server does to start job processes) and the job
 * processes, live or reaped; other children (an embedded Postgres) count in neither. Reaped
 * processes count in their parent's cutime/cstime, so a delta is right whether a job process ended
 * in between or not, as long as its spawner still runs: read before a sandbox closes. Also the
 * /proc readings it is made of, for the bench's other figures.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcessTreeCpu {
  /** The spawners' own CPU, ms. */
  spawnerMs: number;
  /** The job processes: the spawners' children and this process's Deno children (a peer's), ms. */
  jobMs: number;
}

export interface ProcStat {
  comm: string;
  ppid: number;
  /** utime + stime, ticks. */
  own: number;
  /** cutime + cstime: its reaped children's, ticks. */
  reaped: number;
}

/** Null where /proc is missing. */
export function processTreeCpu(): ProcessTreeCpu | null {
  const stats = processStats();
  const self = readStat("/proc/self/stat");
  if (!stats || !self) return null;
  const childrenOf = (pid: number) => [...stats].filter(([, s]) => s.ppid === pid);
  const subtree = (pid: number): number =>
    childrenOf(pid).reduce((sum, [child, s]) => sum + s.own + s.reaped + subtree(child), 0);
  let spawner = 0;
  let jobs = self.reaped;
  for (const [pid, s] of childrenOf(process.pid)) {
    if (isSpawner(pid)) {
      spawner += s.own;
      jobs += s.reaped + subtree(pid);
    } else if (s.comm === "deno") jobs += s.own + s.reaped + subtree(pid);
    // Anything else (an embedded Postgres and its backends) is not a job's.
  }
  return { spawnerMs: ticksToMs(spawner), jobMs: ticksToMs(jobs) };
}

/** Every process's stat now, by pid; null where /proc is missing. */
export function processStats(): Map<number, ProcStat> | null {
  const stats = new Map<number, ProcStat>();
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readStat(`/proc/${entry}/stat`);
      if (stat) stats.set(Number(entry), stat);
    }
  } catch {
    return null;
  }
  return stats;
}

/** CPU milliseconds (user + system) a live process has used; null when it is gone or off Linux. */
export function processCpuMs(pid: number): number | null {
  const stat = readStat(`/proc/${pid}/stat`);
  return stat ? ticksToMs(stat.own) : null;
}

export const ticksToMs = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;

function readStat(file: string): ProcStat | null {
  try {
    const stat = readFileSync(file, "utf8");
    // The command name is in parentheses and may hold spaces; fields 3.. follow the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      reaped: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    // Gone (ended between a listing and the read: its parent's cutime has it now), or not Linux.
    return null;
  }
}

function isSpawner(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("spawner.mjs");
  } catch {
    return false;
  }
}
