/** `fluxbase events emit|list`: named events on a running server, through `client.events`. */
import { Command } from "commander";
import { cliClient } from "./cliClient.ts";
import { intFlag, unwrap } from "./cliErrors.ts";
import {
  act,
  type ConnectionFlags,
  commandGroup,
  type OutputFlags,
  printRows,
  wantsJson,
  withConnection,
  withOutput,
} from "./commandKit.ts";
import { readPayload } from "./jobsSubmit.ts";
import { formatTime, print, printJson } from "./output.ts";

type Flags = ConnectionFlags & OutputFlags;

export function eventsCommand(): Command {
  const group = commandGroup("events", "Emit named events and list what they started");
  const add = (command: Command) =>
    group.addCommand(
      withConnection(withOutput(command), "Act as this user or admin (default: the service key)"),
    );
  add(
    new Command("emit")
      .description("Emit <name>: one job per function listening to it (@fluxbase:on <name>)")
      .argument("<name>")
      .option("--payload <json>", "The payload, a JSON object (default {})")
      .option("--payload-file <file>", 'Read the payload from a file ("-" reads stdin)')
      .action(act(emit)),
  );
  add(
    new Command("list")
      .description("List everyone's events (admin), newest first, with the jobs each started")
      .option("--name <name>", "Only events of this name")
      .option("--limit <n>", "How many (default 50)")
      .action(act(list)),
  );
  return group;
}

async function emit(
  name: string,
  flags: Flags & { payload?: string; payloadFile?: string },
): Promise<number> {
  const payload = readPayload(flags.payload, flags.payloadFile);
  const out = unwrap(
    await (await cliClient(flags)).events.emit(name, (payload ?? {}) as Record<string, unknown>),
  );
  if (wantsJson(flags)) printJson(out);
  else {
    const started = out.jobs.map((job) => `${job.job_name} ${job.id}`);
    print(
      `Emitted ${out.event.name} (${out.event.id}): ${started.length === 0 ? "no job listens to it" : `started ${started.join(", ")}`}`,
    );
    for (const skip of out.skipped)
      print(`  skipped ${skip.job_name}: ${skip.code} (active: ${skip.existing_run_id})`);
  }
  return 0;
}

async function list(flags: Flags & { name?: string; limit?: string }): Promise<number> {
  const client = await cliClient(flags);
  const events = unwrap(
    await client.admin.jobs.listEvents({ name: flags.name, limit: intFlag("limit", flags.limit) }),
  );
  printRows(flags, events, "No events.", ["TIME", "NAME", "SOURCE", "JOBS"], (e) => [
    formatTime(e.created_at),
    e.name,
    e.source,
    e.jobs.map((j) => j.job_name).join(",") || "-",
  ]);
  return 0;
}
