/** `fluxbase queues pause|resume|list`: stop and restart claims of a namespace or one function. */
import { Command } from "commander";
import { cliClient } from "./cliClient.ts";
import { unwrap } from "./cliErrors.ts";
import {
  act,
  type ConnectionFlags,
  type OutputFlags,
  printRows,
  wantsJson,
  withConnection,
  withOutput,
} from "./commandKit.ts";
import { formatTime, print, printJson } from "./output.ts";

interface TargetFlags extends ConnectionFlags, OutputFlags {
  function?: string;
}

const asUser = "Act as this user, an admin (default: the service key)";

export function queuesCommand(): Command {
  const command = new Command("queues").description("Pause and resume namespaces or functions");
  for (const action of ["pause", "resume"] as const) {
    const sub = new Command(action)
      .description(
        action === "pause"
          ? "Stop running the jobs of <namespace> (or of one --function); submits still queue"
          : "Run the jobs of a paused <namespace> (or --function) again",
      )
      .argument("<namespace>")
      .option("--function <name>", "Only this function of the namespace");
    command.addCommand(
      withConnection(withOutput(sub), asUser).action(
        act(async (namespace: string, flags: TargetFlags) => {
          const client = await cliClient(flags);
          const target = { namespace, jobName: flags.function };
          const what = flags.function
            ? `function ${flags.function} (namespace ${namespace})`
            : `namespace ${namespace}`;
          if (action === "pause") {
            const row = unwrap(await client.admin.jobs.pause(target));
            if (wantsJson(flags)) printJson(row);
            else print(`Paused ${what}: its jobs wait until it is resumed`);
          } else {
            const row = unwrap(await client.admin.jobs.resume(target));
            if (wantsJson(flags)) printJson(row);
            else print(row.was_paused ? `Resumed ${what}` : `${what} was not paused`);
          }
          return 0;
        }),
      ),
    );
  }
  const list = new Command("list").description("List what is paused");
  command.addCommand(
    withConnection(withOutput(list), asUser).action(
      act(async (flags: ConnectionFlags & OutputFlags) => {
        const paused = unwrap(await (await cliClient(flags)).admin.jobs.listPaused());
        printRows(flags, paused, "Nothing is paused.", ["NAMESPACE", "FUNCTION", "PAUSED"], (p) => [
          p.namespace,
          p.job_name ?? "(all)",
          formatTime(p.paused_at),
        ]);
        return 0;
      }),
    ),
  );
  return command;
}
