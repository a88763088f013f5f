/** `fluxbase workers`: the worker registry (`client.admin.jobs.listWorkers`) of a running server. */
import { Command } from "commander";
import { cliClient } from "./cliClient.ts";
import { unwrap } from "./cliErrors.ts";
import {
  act,
  type ConnectionFlags,
  type OutputFlags,
  printRows,
  withConnection,
  withOutput,
} from "./commandKit.ts";
import { formatTime, span } from "./output.ts";

export function workersCommand(): Command {
  const command = new Command("workers")
    .description("List the workers of a running server")
    .addHelpText(
      "after",
      "\nLists the registered workers, newest first: name, status, running jobs of the maximum, the time\n" +
        "since the last heartbeat, process id and start time.",
    );
  return withConnection(withOutput(command), "Act as this user, an admin (default: the service key)").action(
    act(listWorkers),
  );
}

async function listWorkers(flags: ConnectionFlags & OutputFlags): Promise<number> {
  const workers = unwrap(await (await cliClient(flags)).admin.jobs.listWorkers());
  printRows(
    flags,
    workers,
    "No workers registered.",
    ["NAME", "STATUS", "JOBS", "HEARTBEAT", "PID", "STARTED"],
    (w) => [
      w.name,
      w.status,
      `${w.current_job_count}/${w.max_concurrent_jobs}`,
      `${span(w.last_heartbeat_at)} ago`,
      String(w.pid),
      formatTime(w.started_at),
    ],
  );
  return 0;
}
