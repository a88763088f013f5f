/**
 * `fluxbase jobs logs <id> [--follow]`: a job's log lines; following polls `getLogs(id, afterLine)`
 * until the job ends, with the live progress line of progressView.ts under the lines on a terminal.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Command } from "commander";
import type { Job } from "../sdk/src/index.ts";
import { TERMINAL_JOB_STATUSES } from "../sdk/src/jobs/types.ts";
import { cliClient } from "./cliClient.ts";
import { CliError, unwrap } from "./cliErrors.ts";
import { act, type ConnectionFlags, type OutputFlags, wantsJson } from "./commandKit.ts";
import { INTERRUPTED, untilInterrupted } from "./interrupt.ts";
import { logLine } from "./jobOutput.ts";
import { printJson } from "./output.ts";
import { createProgressView } from "./progressView.ts";

/** How often --follow asks for new lines. */
const FOLLOW_INTERVAL_MS = 1000;

type LogsFlags = ConnectionFlags & OutputFlags & { follow?: boolean };

export function logsCommand(): Command {
  return new Command("logs")
    .description("Print a job's log lines")
    .argument("<id>")
    .option("-f, --follow", "Keep printing new lines until the job ends (Ctrl-C stops following)")
    .action(act(logs));
}

async function logs(id: string, flags: LogsFlags): Promise<number> {
  const json = wantsJson(flags);
  if (flags.follow && json) throw new CliError("--follow prints text; leave out --json");
  const client = await cliClient(flags);
  if (!flags.follow) {
    const lines = unwrap(await client.jobs.getLogs(id));
    if (json) printJson(lines);
    else if (lines.length === 0) process.stderr.write("No log lines.\n");
    else process.stdout.write(lines.map(logLine).join(""));
    return 0;
  }
  const view = createProgressView({ out: process.stdout, plainProgress: false, notes: process.stderr });
  let job: Job | undefined;
  const followed = await untilInterrupted(
    () => job ?? ({ id, status: "running" } as Job),
    view,
    async (signal) => {
      let after = 0;
      while (!signal.aborted) {
        // The job is read before its lines, so the lines it wrote before it ended are all in the last read.
        job = unwrap(await client.jobs.get(id));
        const lines = unwrap(await client.jobs.getLogs(id, after));
        for (const line of lines) view.line(logLine(line).trimEnd());
        if (lines.length > 0) after = lines.at(-1)!.line_number;
        view.update(job);
        if (TERMINAL_JOB_STATUSES.includes(job.status)) return job;
        await sleep(FOLLOW_INTERVAL_MS, undefined, { signal }).catch(() => {});
      }
      return job!;
    },
  );
  if (followed === "interrupted") return INTERRUPTED;
  process.stderr.write(`Job ${followed.id} ${followed.status}\n`);
  return 0;
}
