/**
 * `fluxbase settings secrets set|get|list|delete`: maps flags onto /api/v1/admin/secrets of a running
 * server, authenticated with the service key (see serverConnection.ts for how it is found).
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { CliError } from "./cliErrors.ts";
import { act, commandGroup, type OutputFlags, wantsJson, withOutput } from "./commandKit.ts";
import { table } from "./output.ts";
import { resolveTarget } from "./serverConnection.ts";

interface SecretMetadata {
  name: string;
  namespace: string | null;
  user_id: string | null;
  updated_at: string;
  created_at: string;
}

type Flags = OutputFlags & { namespace?: string; user?: string; url?: string };

export function settingsCommand(): Command {
  const settings = commandGroup("settings", "Manage job secrets on a running server");
  const secrets = commandGroup("secrets", "Manage job secrets on a running server");
  const add = (command: Command) =>
    secrets.addCommand(
      withOutput(command)
        .option("--namespace <ns>", "Scope to one namespace (default: global, every namespace)")
        .option("--user <uuid>", "A user's secret instead of a system secret")
        .option("--url <url>", "Server URL (default: FLUXBASE_URL, else the project's host and port)"),
    );
  add(
    new Command("set")
      .description('Create or update a secret (a value of "-" is read from stdin)')
      .argument("<name>")
      .argument("<value>")
      .action(act(setSecret)),
  );
  add(
    new Command("get")
      .description("Show a secret's metadata (values are write-only and never shown)")
      .argument("<name>")
      .action(act((name: string, flags: Flags) => show("get", flags, `/${encodeURIComponent(name)}`))),
  );
  add(
    new Command("list")
      .description("List secrets (names and scopes, never values)")
      .action(act((flags: Flags) => show("list", flags, ""))),
  );
  add(
    new Command("delete")
      .description("Delete a secret")
      .argument("<name>")
      .action(act((name: string, flags: Flags) => show("delete", flags, `/${encodeURIComponent(name)}`))),
  );
  settings.addCommand(secrets);
  return settings;
}

async function setSecret(name: string, value: string, flags: Flags): Promise<number> {
  const secret = value === "-" ? readFileSync(0, "utf8").replace(/\r?\n$/, "") : value;
  const body = { value: secret, namespace: flags.namespace ?? null, user_id: flags.user ?? null };
  const response = await call(flags.url, { method: "PUT", path: `/${encodeURIComponent(name)}`, body });
  if (response.status >= 400) return failed(response);
  if (wantsJson(flags)) return printBody(response.body);
  const verb = response.status === 201 ? "Created" : "Updated";
  process.stdout.write(`${verb} secret ${describe(response.body as SecretMetadata)}\n`);
  return 0;
}

/** get, list and delete: the scope goes in the query string. */
async function show(command: "get" | "list" | "delete", flags: Flags, path: string): Promise<number> {
  const scope = new URLSearchParams();
  if (flags.namespace) scope.set("namespace", flags.namespace);
  if (flags.user) scope.set("user_id", flags.user);
  const method = command === "delete" ? "DELETE" : "GET";
  const response = await call(flags.url, { method, path: `${path}?${scope}` });
  if (response.status >= 400) return failed(response);
  const { body } = response;
  if (wantsJson(flags)) return printBody(body);
  if (command === "list") {
    const rows = body.secrets as SecretMetadata[];
    process.stdout.write(rows.length === 0 ? "No secrets.\n" : secretsTable(rows));
  } else if (command === "delete") {
    process.stdout.write(`Deleted secret ${describe(body.deleted)}\n`);
  } else {
    const s = body as SecretMetadata;
    process.stdout.write(
      `${describe(s)}\n  created: ${s.created_at}\n  updated: ${s.updated_at}\n  value:   (write-only)\n`,
    );
  }
  return 0;
}

type Answer = { status: number; body: Record<string, any> };

function failed({ status, body }: Answer): number {
  process.stderr.write(`fluxbase: ${body.error ?? `HTTP ${status}`}${body.code ? ` (${body.code})` : ""}\n`);
  return 1;
}

function printBody(body: unknown): number {
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  return 0;
}

async function call(
  urlOption: string | undefined,
  request: { method: string; path: string; body?: unknown },
): Promise<Answer> {
  const { url: base, key: serviceKey } = await resolveTarget({ url: urlOption });
  const url = `${base}/api/v1/admin/secrets${request.path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: {
        authorization: `Bearer ${serviceKey}`,
        ...(request.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
  } catch (error) {
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new CliError(`could not reach the server at ${base}: ${reason}`);
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: { error: text.slice(0, 200) || `HTTP ${response.status}` } };
  }
}

function describe(s: SecretMetadata): string {
  return `"${s.name}" (${s.namespace === null ? "global" : `namespace ${s.namespace}`}, ${
    s.user_id === null ? "system" : `user ${s.user_id}`
  })`;
}

function secretsTable(rows: SecretMetadata[]): string {
  return table(
    ["NAME", "SCOPE", "NAMESPACE", "USER", "UPDATED"],
    rows.map((s) => [
      s.name,
      s.user_id === null ? "system" : "user",
      s.namespace ?? "(global)",
      s.user_id ?? "-",
      s.updated_at,
    ]),
  );
}
