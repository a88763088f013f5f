/**
 * `fluxbase schedules list|create|update|delete|trigger|pause|resume`: maps flags onto
 * `client.admin.jobs.schedules`. A schedule is named by its id or by its name (in --namespace).
 */
import { Command, Option } from "commander";
import type { FluxbaseClient, Schedule, UpdateScheduleInput } from "../sdk/src/index.ts";
import { cliClient } from "./cliClient.ts";
import { CliError, intFlag, unwrap } from "./cliErrors.ts";
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

type Flags = ConnectionFlags & OutputFlags & { namespace?: string };

interface SettingFlags extends Flags {
  function?: string;
  cron?: string;
  timezone?: string;
  payload?: string;
  payloadFile?: string;
  maxRetries?: string;
  overlap?: "skip" | "allow";
  misfire?: "skip" | "run_once";
  name?: string;
  paused?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function schedulesCommand(): Command {
  const group = commandGroup("schedules", "Manage the cron schedules of a running server");
  const add = (command: Command) =>
    group.addCommand(
      withConnection(withOutput(command), "Act as this admin (default: the service key)").option(
        "--namespace <ns>",
        'The namespace (of a schedule named by its name: default "default")',
      ),
    );
  const settings = (command: Command) =>
    command
      .option(
        "--cron <expr>",
        'Cron expression: 5 fields, 6 (seconds first) or @daily etc. (quote it: "0 2 * * *")',
      )
      .option("--timezone <zone>", "IANA time zone the cron is read in (default UTC)")
      .option("--payload <json>", "The payload of every run, a JSON object")
      .option("--payload-file <file>", 'Read the payload from a file ("-" reads stdin)')
      .option("--max-retries <n>", "Retries of each run (default: the function's)")
      .addOption(
        new Option("--overlap <policy>", "Skip a fire time while a run is active, or allow it").choices([
          "skip",
          "allow",
        ]),
      )
      .addOption(
        new Option("--misfire <policy>", "After downtime: skip missed fire times, or run once").choices([
          "skip",
          "run_once",
        ]),
      );
  add(
    new Command("list")
      .description("List the schedules (from annotations and the API)")
      .option("--function <name>", "Only the schedules of this function")
      .action(act(listSchedules)),
  );
  add(
    settings(
      new Command("create")
        .description("Create a schedule that submits <function> on a cron expression")
        .argument("<name>")
        .requiredOption("--function <name>", "The job function each run submits")
        .option("--paused", "Create it paused"),
    ).action(act(createSchedule)),
  );
  add(
    settings(new Command("update").description("Change a schedule").argument("<id-or-name>"))
      .option("--name <name>", "Rename it")
      .option("--function <name>", "Submit another function")
      .action(act(updateSchedule)),
  );
  const byId: ["delete" | "trigger" | "pause" | "resume", string][] = [
    ["delete", "Delete a schedule made through the API (an annotation's goes with its annotation)"],
    ["trigger", "Run a schedule now (paused or not); prints the new job"],
    ["pause", "Stop firing (kept across reloads and restarts)"],
    ["resume", "Fire again from the next fire time"],
  ];
  for (const [name, description] of byId)
    add(
      new Command(name)
        .description(description)
        .argument("<id-or-name>")
        .action(act((ref: string, flags: Flags) => actOn(name, ref, flags))),
    );
  return group;
}

/** The id of the schedule named `ref` (an id, or a name in --namespace). */
async function resolve(client: FluxbaseClient, ref: string, namespace = "default"): Promise<string> {
  if (UUID.test(ref)) return ref;
  const all = unwrap(await client.admin.jobs.schedules.list({ namespace }));
  const found = all.find((schedule) => schedule.name === ref);
  if (!found) throw new CliError(`No schedule named "${ref}" in namespace "${namespace}"`);
  return found.id;
}

function settingsFrom(flags: SettingFlags): UpdateScheduleInput {
  const payload = readPayload(flags.payload, flags.payloadFile);
  if (payload !== undefined && (payload === null || typeof payload !== "object" || Array.isArray(payload)))
    throw new CliError("--payload must be a JSON object");
  return {
    cron: flags.cron,
    timezone: flags.timezone,
    payload: payload as Record<string, unknown> | undefined,
    max_retries: intFlag("max-retries", flags.maxRetries),
    overlap: flags.overlap,
    misfire: flags.misfire,
  };
}

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

async function listSchedules(flags: Flags & { function?: string }): Promise<number> {
  const client = await cliClient(flags);
  const schedules = unwrap(
    await client.admin.jobs.schedules.list({ namespace: flags.namespace, jobName: flags.function }),
  );
  printRows(
    flags,
    schedules,
    "No schedules.",
    ["ID", "NAME", "FUNCTION", "CRON", "TIMEZONE", "STATE", "NEXT RUN", "LAST RUN", "SOURCE"],
    (s) => [
      s.id,
      s.namespace === "default" ? s.name : `${s.namespace}/${s.name}`,
      s.job_name,
      s.cron,
      s.timezone,
      s.enabled ? "active" : "paused",
      formatTime(s.next_run_at),
      formatTime(s.last_run_at),
      s.source,
    ],
  );
  return 0;
}

function describeSchedule(s: Schedule): string {
  const state = s.enabled ? `next run ${formatTime(s.next_run_at)}` : "paused";
  return `${s.name} (${s.id}): ${s.job_name} on "${s.cron}" ${s.timezone}, ${state}`;
}

async function createSchedule(name: string, flags: SettingFlags): Promise<number> {
  const client = await cliClient(flags);
  if (!flags.cron) throw new CliError("give --cron, the schedule's cron expression");
  const schedule = unwrap(
    await client.admin.jobs.schedules.create(
      defined({
        ...settingsFrom(flags),
        name,
        namespace: flags.namespace,
        job_name: flags.function!,
        cron: flags.cron,
        enabled: flags.paused ? false : undefined,
      }),
    ),
  );
  if (wantsJson(flags)) printJson(schedule);
  else print(`Created schedule ${describeSchedule(schedule)}`);
  return 0;
}

async function updateSchedule(ref: string, flags: SettingFlags): Promise<number> {
  const client = await cliClient(flags);
  const changes = defined({ ...settingsFrom(flags), name: flags.name, job_name: flags.function });
  if (Object.keys(changes).length === 0) throw new CliError("nothing to change: give at least one option");
  const id = await resolve(client, ref, flags.namespace);
  const schedule = unwrap(await client.admin.jobs.schedules.update(id, changes));
  if (wantsJson(flags)) printJson(schedule);
  else print(`Updated schedule ${describeSchedule(schedule)}`);
  return 0;
}

async function actOn(action: "delete" | "trigger" | "pause" | "resume", ref: string, flags: Flags) {
  const client = await cliClient(flags);
  const schedules = client.admin.jobs.schedules;
  const id = await resolve(client, ref, flags.namespace);
  if (action === "trigger") {
    const job = unwrap(await schedules.trigger(id));
    if (wantsJson(flags)) printJson(job);
    else print(`Started job ${job.id} (${job.job_name}) from schedule ${ref}`);
    return 0;
  }
  const result =
    action === "delete" ? unwrap(await schedules.delete(id)) : unwrap(await schedules[action](id));
  if (wantsJson(flags)) printJson(result);
  else if (action === "delete") print(`Schedule ${ref} deleted`);
  else
    print(
      `Schedule ${ref} ${action === "pause" ? "paused" : `resumed, ${describeSchedule(result as Schedule)}`}`,
    );
  return 0;
}
