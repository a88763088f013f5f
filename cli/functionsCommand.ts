/**
 * `fluxbase functions list|get|delete|sync|deploy`: maps flags onto the job-function methods of
 * `client.admin.jobs` (service key, or an admin's token) against a running server.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import type { JobFunction, SyncJobsResult } from "../sdk/src/index.ts";
import { cliClient } from "./cliClient.ts";
import { CliError, unwrap } from "./cliErrors.ts";
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
import { formatTime, print, printJson } from "./output.ts";

type Flags = ConnectionFlags & OutputFlags & { namespace?: string };

const adminToken = "Act as this user, an admin (default: the service key)";

export function functionsCommand(): Command {
  const group = commandGroup("functions", "Manage the server's job functions");
  const add = (command: Command, output = true) =>
    group.addCommand(withConnection(output ? withOutput(command) : command, adminToken));
  add(
    new Command("list")
      .description("List the job functions")
      .option("--namespace <ns>", "Only this namespace (default: every namespace)")
      .action(act(listFunctions)),
  );
  add(
    new Command("get")
      .description("Show one function's settings")
      .argument("<name>")
      .option("--namespace <ns>", "The namespace", "default")
      .action(act(getFunction)),
  );
  add(
    new Command("delete")
      .description("Delete a function (its past jobs stay)")
      .argument("<name>")
      .option("--namespace <ns>", "The namespace", "default")
      .action(act(deleteFunction)),
    false,
  );
  add(
    new Command("sync")
      .description("Re-read the server's jobs folder into a namespace")
      .option("--namespace <ns>", "The namespace", "default")
      .option("--delete-missing", "Delete functions of the namespace that are not in the folder")
      .option("--dry-run", "Report what would change, change nothing")
      .action(act(syncFunctions)),
  );
  add(
    new Command("deploy")
      .description("Upload a file as a function: create it, or replace its code when it exists")
      .argument("<file.ts>")
      .option("--name <name>", "The function's name (default: the file name without extension)")
      .option("--namespace <ns>", "The namespace", "default")
      .action(act(deployFunction)),
  );
  return group;
}

async function listFunctions(flags: Flags): Promise<number> {
  const functions = unwrap(await (await cliClient(flags)).admin.jobs.list(flags.namespace));
  printRows(
    flags,
    functions,
    "No job functions.",
    ["NAMESPACE", "NAME", "ENABLED", "SCHEDULE", "TIMEOUT", "ORIGIN", "VERSION", "UPDATED"],
    (fn) => [
      fn.namespace,
      fn.name,
      fn.bundle_error && !fn.code_hash ? "no (bundle error)" : fn.enabled ? "yes" : "no",
      fn.schedule ?? "-",
      `${fn.timeout_seconds}s`,
      fn.origin ?? "-",
      String(fn.version ?? "-"),
      formatTime(fn.updated_at),
    ],
  );
  return 0;
}

async function getFunction(name: string, flags: Flags): Promise<number> {
  const fn = unwrap(await (await cliClient(flags)).admin.jobs.get(name, flags.namespace));
  if (wantsJson(flags)) printJson(fn);
  else process.stdout.write(functionDetail(fn));
  return 0;
}

function functionDetail(fn: JobFunction): string {
  const list = (items: string[] | undefined) => (items && items.length > 0 ? items.join(", ") : null);
  const net = fn.permissions.net === true ? "every host" : list(fn.permissions.net || undefined);
  const rows: [string, string | null | undefined][] = [
    ["name", fn.name],
    ["namespace", fn.namespace],
    ["description", fn.description],
    ["enabled", fn.enabled ? "yes" : "no"],
    [
      "bundle error",
      fn.bundle_error && fn.code_hash
        ? `${fn.bundle_error} (the last good version still runs)`
        : fn.bundle_error,
    ],
    ["schedule", fn.schedule],
    ["timeout", `${fn.timeout_seconds}s (progress timeout ${fn.progress_timeout_seconds}s)`],
    ["memory", `${fn.memory_mb} MB`],
    ["max retries", String(fn.max_retries)],
    ["roles", list(fn.require_roles) ?? "any signed-in caller"],
    ["allow net", net],
    ["allow env", list(fn.permissions.env)],
    ["allow read", list(fn.permissions.read)],
    ["allow write", list(fn.permissions.write)],
    ["origin", fn.origin ? `${fn.origin}${fn.source_path ? ` (${fn.source_path})` : ""}` : null],
    ["version", fn.version === undefined ? null : String(fn.version)],
    ["created", formatTime(fn.created_at)],
    ["updated", formatTime(fn.updated_at)],
  ];
  return rows
    .filter((row): row is [string, string] => row[1] !== null && row[1] !== undefined)
    .map(([label, value]) => `${`${label}:`.padEnd(14)}${value}\n`)
    .join("");
}

async function deleteFunction(name: string, flags: Flags): Promise<number> {
  unwrap(await (await cliClient(flags)).admin.jobs.delete(name, flags.namespace));
  print(`Deleted function "${name}" (namespace ${flags.namespace})`);
  return 0;
}

async function syncFunctions(
  flags: Flags & { namespace: string; deleteMissing?: boolean; dryRun?: boolean },
): Promise<number> {
  const dryRun = flags.dryRun === true;
  const client = await cliClient(flags);
  const result = unwrap(
    await client.admin.jobs.sync({
      namespace: flags.namespace,
      options: { delete_missing: flags.deleteMissing === true, dry_run: dryRun },
    }),
  );
  if (wantsJson(flags)) printJson(result);
  else print(...syncReport(flags.namespace, result, dryRun));
  for (const problem of result.errors)
    process.stderr.write(`fluxbase: ${problem.name}: ${problem.message}\n`);
  return result.errors.length > 0 ? 1 : 0;
}

function syncReport(namespace: string, result: SyncJobsResult, dryRun: boolean): string[] {
  const names = (items: string[]) => (items.length > 0 ? ` (${items.join(", ")})` : "");
  const { summary, details } = result;
  return [
    `${dryRun ? "Would sync" : "Synced"} namespace "${namespace}" from the server's jobs folder${dryRun ? " (dry run, nothing changed)" : ""}:`,
    `  created:   ${summary.created}${names(details.created)}`,
    `  updated:   ${summary.updated}${names(details.updated)}`,
    `  deleted:   ${summary.deleted}${names(details.deleted)}`,
    `  unchanged: ${summary.unchanged}`,
    `  errors:    ${summary.errors}`,
  ];
}

async function deployFunction(file: string, flags: Flags & { name?: string }): Promise<number> {
  let code: string;
  try {
    code = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const name = flags.name ?? path.basename(file).replace(/\.[^.]+$/, "");
  const client = await cliClient(flags);
  // Create first: the server's FUNCTION_EXISTS is the one answer to "does it exist?", with no race.
  const created = await client.admin.jobs.create({ name, namespace: flags.namespace, code });
  const exists = created.error?.code === "FUNCTION_EXISTS";
  const fn = unwrap(exists ? await client.admin.jobs.update(name, { code }, flags.namespace) : created);
  if (wantsJson(flags)) printJson(fn);
  else
    print(
      `${exists ? "Updated" : "Created"} function "${fn.name}" (namespace ${fn.namespace}, version ${fn.version ?? "-"})`,
    );
  return 0;
}
