/**
 * Runs one command of a group (`fluxbase jobs list`, `fluxbase functions sync`, ...): prints the
 * group's usage for `help`/`--help`, refuses unknown commands with a pointer to it, and turns
 * errors into one line (see cliErrors.ts).
 */
import { CliError, reportErrors } from "./cliErrors.ts";

export type Subcommand = (args: string[], command: string) => Promise<number>;

export function runCommandGroup(
  group: string,
  usage: string,
  commands: Record<string, Subcommand>,
  args: string[],
): Promise<number> {
  return reportErrors(async () => {
    const [command, ...rest] = args;
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      process.stdout.write(usage);
      return command === undefined ? 1 : 0;
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(usage);
      return 0;
    }
    const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
    if (!run) throw new CliError(`unknown command "${group} ${command}"; see \`fluxbase ${group} --help\``);
    return run(rest, command);
  });
}
