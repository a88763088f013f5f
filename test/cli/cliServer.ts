import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type CliRun, runCli } from "../support/runCli.ts";
import { startTestServer, type TestServer, type TestServerOptions } from "../support/server.ts";

/** Logs each step, reports progress after it, and fails at the end when asked to. */
export const progressJob = `/**
 * @fluxbase:description Counts steps, reporting progress
 * @fluxbase:max-retries 0
 */
export async function handler(_req, _fluxbase, _fluxbaseService, job) {
  const { steps = 3, fail = false, delayMs = 150 } = job.getJobPayload();
  for (let i = 1; i <= steps; i++) {
    console.log(\`step \${i} of \${steps}\`);
    job.reportProgress(Math.round((i / steps) * 100), \`Step \${i}/\${steps}\`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  if (fail) throw new Error("asked to fail");
  return { steps };
}
`;

export interface CliServer {
  server: TestServer;
  /** The server's jobs folder. */
  jobsDir: string;
  /** Runs `fluxbase ...args` against the server; the service key is derived from the JWT secret. */
  fluxbase(args: string[], options?: { env?: Record<string, string>; stdin?: string }): Promise<CliRun>;
}

/** Starts the server for the calling test file (before all its tests) and stops it after. */
export function useCliServer(jobs: TestServerOptions["jobs"] = {}): CliServer {
  const cli = {} as CliServer;
  let cliDataDir: string;
  beforeAll(async () => {
    cli.jobsDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-jobs-"));
    cliDataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-cli-"));
    writeFileSync(path.join(cli.jobsDir, "progress.ts"), progressJob);
    cli.server = await startTestServer({ workers: true, jobs: { ...jobs, dir: cli.jobsDir, watch: false } });
  });
  afterAll(async () => {
    await cli.server?.stop();
    rmSync(cli.jobsDir, { recursive: true, force: true });
    rmSync(cliDataDir, { recursive: true, force: true });
  });
  cli.fluxbase = (args, options) => runCli({ url: cli.server.url, dataDir: cliDataDir }, args, options);
  return cli;
}

/** The job id in a line such as `Submitted job <id> (...)`. */
export function submittedId(run: CliRun): string {
  const id = /^Submitted job (\S+)/m.exec(run.stdout)?.[1];
  if (!id) throw new Error(`no job id in:\n${run.stdout}\n${run.stderr}`);
  return id;
}
