/** `fluxbase workers`: the worker registry (`client.admin.jobs.listWorkers`) of a running server. */
import { parseArgs } from "node:util";
import { cliClient, connectionFlags } from "./cliClient.ts";
import { expectPositionals, reportErrors, unwrap } from "./cliErrors.ts";
import { formatTime, print, printJson, span, table } from "./output.ts";

export const workersUsage = `Usage: fluxbase workers [options]

Lists the registered workers, newest first: name, status, running jobs of the maximum, the time since
the last heartbeat, process id and start time.

Options:
  --json                  Print JSON instead of text
  --url <url>             Server URL (default: FLUXBASE_URL, else the configured host and port)
  --token <jwt>           Act as this user, an admin (default: the service key)
`;

export function workersCommand(args: string[]): Promise<number> {
  return reportErrors(async () => {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...connectionFlags,
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help || positionals[0] === "help") {
      process.stdout.write(workersUsage);
      return 0;
    }
    expectPositionals(positionals, [], "workers");
    const workers = unwrap(await (await cliClient(values)).admin.jobs.listWorkers());
    if (values.json) printJson(workers);
    else if (workers.length === 0) print("No workers registered.");
    else {
      process.stdout.write(
        table(
          ["NAME", "STATUS", "JOBS", "HEARTBEAT", "PID", "STARTED"],
          workers.map((w) => [
            w.name,
            w.status,
            `${w.current_job_count}/${w.max_concurrent_jobs}`,
            `${span(w.last_heartbeat_at)} ago`,
            String(w.pid),
            formatTime(w.started_at),
          ]),
        ),
      );
    }
    return 0;
  });
}
