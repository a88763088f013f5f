/** A throwaway server for benchmarks: embedded Postgres in a temp dir, random port, quiet logs. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createFluxbase, type Fluxbase, type StartedServer } from "../server/app.ts";
import type { FluxbaseOptions } from "../server/config/types.ts";
import type { AnyJobDefinition } from "../server/handlers/types.ts";
import { createLogger } from "../server/log.ts";

export interface BenchServer extends StartedServer {
  fluxbase: Fluxbase;
  /** The jobs folder the server loaded (another process can load the same functions from it). */
  jobsDir: string;
  stop(): Promise<void>;
}

/** `jobs` maps file names in the jobs folder to their source. */
export async function startBenchServer(
  jobs: Record<string, string>,
  options: FluxbaseOptions = {},
  handlers: readonly AnyJobDefinition[] = [],
): Promise<BenchServer> {
  const dir = mkdtempSync(path.join(tmpdir(), "fluxbase-bench-"));
  chmodSync(dir, 0o755); // as root, the embedded Postgres runs as the postgres user
  const jobsDir = path.join(dir, "jobs");
  mkdirSync(jobsDir);
  for (const [file, source] of Object.entries(jobs)) writeFileSync(path.join(jobsDir, file), source);
  const fluxbase = createFluxbase({
    env: {},
    options: {
      ...options,
      port: 0,
      dataDir: path.join(dir, "data"),
      jobs: { ...options.jobs, dir: jobsDir, watch: false },
    },
    logger: createLogger("error"),
    handlers,
  });
  const started = await fluxbase.start();
  return {
    ...started,
    fluxbase,
    jobsDir,
    async stop() {
      await fluxbase.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/**
 * Resolves once no job (of `jobName`, when given) is pending or running, asking every `everyMs`. The
 * check reads only the partial indexes of pending and running rows: a count over the whole table
 * every 20 ms cost Postgres ~0.06 ms per job, charged to the drain being measured. Drain rates come
 * from the rows' own timestamps, so how soon the end is seen does not change them.
 */
export async function untilDrained(sql: Fluxbase["sql"], everyMs: number, jobName?: string): Promise<void> {
  for (;;) {
    const [{ busy }] = await sql<{ busy: boolean }[]>`
      select exists (select 1 from jobs.queue where status in ('pending', 'running')
        ${jobName === undefined ? sql`` : sql`and job_name = ${jobName}`}) as busy`;
    if (!busy) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
