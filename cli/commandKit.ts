/**
 * The pieces every `fluxbase` command is built from (commander): output and connection options,
 * command groups, and actions whose return value is the exit code. Command files import only this,
 * output.ts and node builtins at load time; the SDK and the server are imported when a command runs,
 * so `fluxbase --help` never loads them.
 */
import { Command, Option } from "commander";
import { print, printJson, table } from "./output.ts";

/** `-o json|table`, with `--json` kept as the short way to ask for JSON. */
export function withOutput(command: Command): Command {
  return command
    .addOption(
      new Option("-o, --output <format>", "Output format").choices(["table", "json"]).default("table"),
    )
    .option("--json", "Print JSON (same as -o json)");
}

export interface OutputFlags {
  output?: string;
  json?: boolean;
}

export const wantsJson = (flags: OutputFlags): boolean => flags.json === true || flags.output === "json";

/**
 * What every listing command prints: the items as JSON when asked, `empty` when there are none,
 * else a table of `header` with one row per item.
 */
export function printRows<T>(
  flags: OutputFlags,
  items: T[],
  empty: string,
  header: string[],
  row: (item: T) => string[],
): void {
  if (wantsJson(flags)) printJson(items);
  else if (items.length === 0) print(empty);
  else process.stdout.write(table(header, items.map(row)));
}

/** `--url` and `--token`, for the commands that talk to a running server. */
export function withConnection(
  command: Command,
  token = "Act as this user (default: the service key)",
): Command {
  return command
    .option("--url <url>", "Server URL (default: FLUXBASE_URL, else the project's host and port)")
    .option("--token <jwt>", token);
}

export interface ConnectionFlags {
  url?: string;
  token?: string;
}

/**
 * A group such as `fluxbase jobs`: alone it prints its help and exits 1; an unknown command gets
 * commander's own error, with a did-you-mean when a command is close.
 */
export function commandGroup(name: string, description: string): Command {
  return asGroup(new Command(name).description(description).usage("<command> [options]"));
}

/** Makes `group` act as a command group (see commandGroup). */
export function asGroup(group: Command): Command {
  group.helpCommand("help [command]", "Print help for a command");
  return group.allowExcessArguments(true).action(() => {
    if (group.args.length > 0) (group as unknown as { unknownCommand(): never }).unknownCommand();
    group.outputHelp();
    process.exitCode = 1;
  });
}

/** An action that returns the exit code. */
export function act<A extends unknown[]>(
  run: (...args: A) => Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args) => {
    process.exitCode = await run(...args);
  };
}
