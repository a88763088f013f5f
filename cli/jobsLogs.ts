/** `fluxbase jobs logs <id> [--follow]`: a job's log lines; following polls `getLogs(id, afterLine)` until it ends. */
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { TERMINAL_JOB_STATUSES } from "../sdk/src/index.ts";
import { cliClient, connectionFlags } from "./cliClient.ts";
import { CliError, expectPositionals, unwrap } from "./cliErrors.ts";
import { logLine } from "./jobOutput.ts";
import { printJson } from "./output.ts";

/** How often --follow asks for new lines. */
const FOLLOW_INTERVAL_MS = 1000;

export async function logsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...connectionFlags,
      follow: { type: "boolean", short: "f", default: false },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [id] = expectPositionals(positionals, ["id"], "jobs logs");
  if (values.follow && values.json) throw new CliError("--follow prints text; leave out --json");
  const client = await cliClient(values);
  if (!values.follow) {
    const lines = unwrap(await client.jobs.getLogs(id!));
    if (values.json) printJson(lines);
    else if (lines.length === 0) process.stderr.write("No log lines.\n");
    else process.stdout.write(lines.map(logLine).join(""));
    return 0;
  }
  let after = 0;
  for (;;) {
    // The job is read before its lines, so the lines it wrote before it ended are all in the last read.
    const job = unwrap(await client.jobs.get(id!));
    const lines = unwrap(await client.jobs.getLogs(id!, after));
    if (lines.length > 0) {
      process.stdout.write(lines.map(logLine).join(""));
      after = lines.at(-1)!.line_number;
    }
    if (TERMINAL_JOB_STATUSES.includes(job.status)) {
      process.stderr.write(`Job ${job.id} ${job.status}\n`);
      return 0;
    }
    await sleep(FOLLOW_INTERVAL_MS);
  }
}
