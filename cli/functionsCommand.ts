/**
 * `fluxbase functions list|get|delete|sync|deploy`: maps flags onto the job-function methods of
 * `client.admin.jobs` (service key, or an admin's token) against a running server.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { JobFunction, SyncJobsResult } from "../sdk/src/index.ts";
import { cliClient, connectionFlags } from "./cliClient.ts";
import { CliError, expectPositionals, unwrap } from "./cliErrors.ts";
import { runCommandGroup } from "./commandGroup.ts";
import { formatTime, print, printJson, table } from "./output.ts";

export const functionsUsage = `Usage: fluxbase functions <command> [options]

Commands:
  list                    List the job functions
  get <name>              Show one function's settings
  delete <name>           Delete a function (its past jobs stay)
  sync                    Re-read the server's jobs folder into a namespace
  deploy <file.ts>        Upload a file as a function: create it, or replace its code when it exists

Options:
  --namespace <ns>        The namespace (default "default"; list: every namespace)
  --name <name>           deploy: the function's name (default: the file name without extension)
  --delete-missing        sync: delete functions of the namespace that are not in the folder
  --dry-run               sync: report what would change, change nothing
  --json                  Print JSON instead of text
  --url <url>             Server URL (default: FLUXBASE_URL, else the configured host and port)
  --token <jwt>           Act as this user, an admin (default: the service key)
`;

const common = { ...connectionFlags, json: { type: "boolean", default: false } } as const;

export function functionsCommand(args: string[]): Promise<number> {
  return runCommandGroup(
    "functions",
    functionsUsage,
    { list: listCommand, get: getCommand, delete: deleteCommand, sync: syncCommand, deploy: deployCommand },
    args,
  );
}

async function listCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...common, namespace: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  expectPositionals(positionals, [], "functions list");
  const functions = unwrap(await (await cliClient(values)).admin.jobs.list(values.namespace));
  if (values.json) printJson(functions);
  else if (functions.length === 0) print("No job functions.");
  else {
    process.stdout.write(
      table(
        ["NAMESPACE", "NAME", "ENABLED", "SCHEDULE", "TIMEOUT", "ORIGIN", "VERSION", "UPDATED"],
        functions.map((fn) => [
          fn.namespace,
          fn.name,
          fn.bundle_error && !fn.code_hash ? "no (bundle error)" : fn.enabled ? "yes" : "no",
          fn.schedule ?? "-",
          `${fn.timeout_seconds}s`,
          fn.origin ?? "-",
          String(fn.version ?? "-"),
          formatTime(fn.updated_at),
        ]),
      ),
    );
  }
  return 0;
}

async function getCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...common, namespace: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const [name] = expectPositionals(positionals, ["name"], "functions get");
  const fn = unwrap(await (await cliClient(values)).admin.jobs.get(name!, values.namespace));
  if (values.json) printJson(fn);
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

async function deleteCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...connectionFlags, namespace: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const [name] = expectPositionals(positionals, ["name"], "functions delete");
  const namespace = values.namespace ?? "default";
  unwrap(await (await cliClient(values)).admin.jobs.delete(name!, namespace));
  print(`Deleted function "${name}" (namespace ${namespace})`);
  return 0;
}

async function syncCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...common,
      namespace: { type: "string", default: "default" },
      "delete-missing": { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  expectPositionals(positionals, [], "functions sync");
  const client = await cliClient(values);
  const result = unwrap(
    await client.admin.jobs.sync({
      namespace: values.namespace,
      options: { delete_missing: values["delete-missing"], dry_run: values["dry-run"] },
    }),
  );
  if (values.json) printJson(result);
  else print(...syncReport(values.namespace, result, values["dry-run"]));
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

async function deployCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...common, name: { type: "string" }, namespace: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const [file] = expectPositionals(positionals, ["file.ts"], "functions deploy");
  let code: string;
  try {
    code = readFileSync(file!, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const name = values.name ?? path.basename(file!).replace(/\.[^.]+$/, "");
  const client = await cliClient(values);
  // Create first: the server's FUNCTION_EXISTS is the one answer to "does it exist?", with no race.
  const created = await client.admin.jobs.create({ name, namespace: values.namespace, code });
  const exists = created.error?.code === "FUNCTION_EXISTS";
  const fn = unwrap(exists ? await client.admin.jobs.update(name, { code }, values.namespace) : created);
  if (values.json) printJson(fn);
  else
    print(
      `${exists ? "Updated" : "Created"} function "${fn.name}" (namespace ${fn.namespace}, version ${fn.version ?? "-"})`,
    );
  return 0;
}
