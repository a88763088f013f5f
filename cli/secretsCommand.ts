/**
 * `fluxbase settings secrets set|get|list|delete`: maps flags onto /api/v1/admin/secrets of a running
 * server, authenticated with the service key. URL: --url, else FLUXBASE_URL, else the configured
 * host and port. Service key: FLUXBASE_SERVICE_KEY, else derived from the JWT secret like `fluxbase keys`.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { table } from "./output.ts";
import { resolveServerUrl, resolveServiceKey } from "./serverConnection.ts";

export const secretsUsage = `Usage: fluxbase settings secrets <command> [options]

Commands:
  set <name> <value>    Create or update a secret (a value of "-" is read from stdin)
  get <name>            Show a secret's metadata (values are write-only and never shown)
  list                  List secrets (names and scopes, never values)
  delete <name>         Delete a secret

Options:
  --namespace <ns>      Scope to one namespace (default: global, every namespace)
  --user <uuid>         A user's secret instead of a system secret
  --url <url>           Server URL (default: FLUXBASE_URL, else the configured host and port)
  --json                Print the server's JSON response
`;

interface SecretMetadata {
  name: string;
  namespace: string | null;
  user_id: string | null;
  updated_at: string;
  created_at: string;
}

export async function settingsCommand(args: string[]): Promise<number> {
  try {
    return await secretsCommand(args);
  } catch (error) {
    // Mistakes of the person typing get one line, not a stack trace.
    const code = (error as { code?: string }).code ?? "";
    if (!(error instanceof CliError) && !code.startsWith("ERR_PARSE_ARGS")) throw error;
    process.stderr.write(`fluxbase: ${(error as Error).message}\n`);
    return 1;
  }
}

async function secretsCommand(args: string[]): Promise<number> {
  const [group, command, ...rest] = args;
  if (group !== "secrets" || command === undefined || command === "help" || command === "--help") {
    process.stdout.write(secretsUsage);
    return group === "secrets" && command !== undefined ? 0 : 1;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      namespace: { type: "string" },
      user: { type: "string" },
      url: { type: "string" },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const expect = (count: number, shape: string) => {
    if (positionals.length !== count) throw new CliError(`expected \`secrets ${command} ${shape}\``, true);
  };
  const scope = new URLSearchParams();
  if (values.namespace) scope.set("namespace", values.namespace);
  if (values.user) scope.set("user_id", values.user);
  const name = () => encodeURIComponent(positionals[0]!);
  let request: { method: string; path: string; body?: unknown };
  switch (command) {
    case "set": {
      expect(2, "<name> <value>");
      const value = positionals[1] === "-" ? readFileSync(0, "utf8").replace(/\r?\n$/, "") : positionals[1];
      request = {
        method: "PUT",
        path: `/${name()}`,
        body: { value, namespace: values.namespace ?? null, user_id: values.user ?? null },
      };
      break;
    }
    case "get":
      expect(1, "<name>");
      request = { method: "GET", path: `/${name()}?${scope}` };
      break;
    case "list":
      expect(0, "");
      request = { method: "GET", path: `?${scope}` };
      break;
    case "delete":
      expect(1, "<name>");
      request = { method: "DELETE", path: `/${name()}?${scope}` };
      break;
    default:
      throw new CliError(`unknown command "secrets ${command}"`, true);
  }
  const { status, body } = await call(values.url, request);
  if (status >= 400) {
    process.stderr.write(
      `fluxbase: ${body.error ?? `HTTP ${status}`}${body.code ? ` (${body.code})` : ""}\n`,
    );
    return 1;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  }
  if (command === "list") {
    const rows = body.secrets as SecretMetadata[];
    process.stdout.write(rows.length === 0 ? "No secrets.\n" : secretsTable(rows));
  } else if (command === "delete") {
    process.stdout.write(`Deleted secret ${describe(body.deleted)}\n`);
  } else if (command === "set") {
    process.stdout.write(
      `${status === 201 ? "Created" : "Updated"} secret ${describe(body as SecretMetadata)}\n`,
    );
  } else {
    const s = body as SecretMetadata;
    process.stdout.write(
      `${describe(s)}\n  created: ${s.created_at}\n  updated: ${s.updated_at}\n  value:   (write-only)\n`,
    );
  }
  return 0;
}

class CliError extends Error {
  constructor(message: string, withUsage = false) {
    super(withUsage ? `${message}\n\n${secretsUsage}` : message);
  }
}

async function call(
  urlOption: string | undefined,
  request: { method: string; path: string; body?: unknown },
): Promise<{ status: number; body: Record<string, any> }> {
  const base = resolveServerUrl(urlOption);
  const serviceKey = await resolveServiceKey();
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
