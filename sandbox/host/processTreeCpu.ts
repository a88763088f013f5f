/**
 * CPU used below this process, from /proc (Linux), split the way the bench reports it: the sandboxes'
 * spawners (../spawner/spawner.mjs: work the server does to start job processes) and everything else
 * (the job processes, live or reaped). Reaped processes count in their parent's cutime/cstime, so a
 * delta is right whether a job process ended in between or not — as long as the spawner still runs:
 * read before a sandbox closes.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcessTreeCpu {
  /** The spawners' own CPU, ms. */
  spawnerMs: number;
  /** Every other process below this one (job processes, a peer's `deno run`s), ms. */
  jobMs: number;
}

interface ProcStat {
  ppid: number;
  /** utime + stime, ticks. */
  own: number;
  /** cutime + cstime: its reaped children's, ticks. */
  reaped: number;
}

/** Null where /proc is missing. */
export function processTreeCpu(): ProcessTreeCpu | null {
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
  const self = readStat("/proc/self/stat");
  if (!self) return null;
  const childrenOf = (pid: number) => [...stats].filter(([, s]) => s.ppid === pid);
  const subtree = (pid: number): number =>
    childrenOf(pid).reduce((sum, [child, s]) => sum + s.own + s.reaped + subtree(child), 0);
  let spawner = 0;
  let jobs = self.reaped;
  for (const [pid, s] of childrenOf(process.pid)) {
    if (isSpawner(pid)) {
      spawner += s.own;
      jobs += s.reaped + subtree(pid);
    } else jobs += s.own + s.reaped + subtree(pid);
  }
  const ms = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
  return { spawnerMs: ms(spawner), jobMs: ms(jobs) };
}

function readStat(file: string): ProcStat | null {
  try {
    const stat = readFileSync(file, "utf8");
    // The command name is in parentheses and may hold spaces; fields 3.. follow the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      reaped: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    // Ended between the listing and the read: its parent's cutime has it now.
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
