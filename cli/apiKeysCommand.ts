/** `fluxbase keys create|list|revoke`: API keys through `client.admin.keys`. */
import { Command } from "commander";
import type { ApiKeyScope } from "../sdk/src/index.ts";
import { cliClient } from "./cliClient.ts";
import { CliError, unwrap } from "./cliErrors.ts";
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

type Flags = ConnectionFlags & OutputFlags;

interface CreateFlags extends Flags {
  name: string;
  scopes: string;
  namespace?: string;
  expires?: string;
}

export function apiKeyCommands(): Command[] {
  const admin = (command: Command) =>
    withConnection(withOutput(command), "Act as this admin (default: the service key)");
  return [
    admin(
      new Command("create")
        .description("Create an API key; it is printed this once")
        .requiredOption("--name <name>", "A name to list and revoke it by")
        .requiredOption("--scopes <list>", "jobs:read and/or jobs:write, comma-separated")
        .option("--namespace <ns>", "Only this namespace's jobs (default: every namespace)")
        .option("--expires <duration>", "Stop working after this long, e.g. 90d or 12h (default: never)")
        .action(act(createKey)),
    ),
    admin(new Command("list").description("List the API keys (never their secrets)").action(act(listKeys))),
    admin(
      new Command("revoke")
        .description("Revoke the API key named <name>; it is refused from the next request")
        .argument("<name>")
        .action(act(revokeKey)),
    ),
  ];
}

async function createKey(flags: CreateFlags): Promise<number> {
  const scopes = flags.scopes
    .split(",")
    .map((scope) => scope.trim())
    .filter(Boolean);
  const bad = scopes.find((scope) => scope !== "jobs:read" && scope !== "jobs:write");
  if (bad !== undefined || scopes.length === 0)
    throw new CliError(`--scopes takes jobs:read and/or jobs:write; got ${flags.scopes}`);
  const created = unwrap(
    await (await cliClient(flags)).admin.keys.create({
      name: flags.name,
      scopes: scopes as ApiKeyScope[],
      namespace: flags.namespace,
      expiresIn: flags.expires,
    }),
  );
  if (wantsJson(flags)) printJson(created);
  else {
    print(
      `Created API key ${created.name} (${created.scopes.join(", ")}${created.namespace ? `, namespace ${created.namespace}` : ""}${created.expires_at ? `, expires ${formatTime(created.expires_at)}` : ""}).`,
    );
    print("Keep it now; it is not shown again:");
    print(created.key);
  }
  return 0;
}

async function listKeys(flags: Flags): Promise<number> {
  const keys = unwrap(await (await cliClient(flags)).admin.keys.list());
  printRows(
    flags,
    keys,
    "No API keys.",
    ["NAME", "SCOPES", "NAMESPACE", "EXPIRES", "LAST USED", "STATE"],
    (k) => [
      k.name,
      k.scopes.join(","),
      k.namespace ?? "(all)",
      k.expires_at ? formatTime(k.expires_at) : "never",
      k.last_used_at ? formatTime(k.last_used_at) : "-",
      k.revoked_at ? `revoked ${formatTime(k.revoked_at)}` : "live",
    ],
  );
  return 0;
}

async function revokeKey(name: string, flags: Flags): Promise<number> {
  const key = unwrap(await (await cliClient(flags)).admin.keys.revoke(name));
  if (wantsJson(flags)) printJson(key);
  else print(`Revoked API key ${key.name}`);
  return 0;
}
