/**
 * The `fluxbase` command: parses the command line (commander), runs the command, and turns what can
 * go wrong into one line on stderr and an exit code (docs/cli.md lists them).
 */
import { type Command, CommanderError } from "commander";
import { ConfigError, HttpError, MigrationError } from "../server/errors.ts";
import { CliError } from "./cliErrors.ts";
import { closeOnBrokenPipe } from "./output.ts";
import { allCommands, buildProgram } from "./program.ts";

/** A commander error, with the command it came from (for the message). */
interface CommandFailure extends CommanderError {
  command: Command;
}

async function main(argv: string[]): Promise<void> {
  closeOnBrokenPipe();
  const program = buildProgram();
  for (const command of allCommands(program)) {
    command.configureOutput({ outputError: () => {} }).exitOverride((error) => {
      throw Object.assign(error, { command });
    });
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      const failure = error as CommandFailure;
      if (failure.exitCode !== 0 && failure.code !== "commander.help") {
        process.stderr.write(commanderMessage(failure));
      }
      process.exitCode = failure.exitCode;
      return;
    }
    // Known errors are one line for a person; anything else keeps its stack for a bug report.
    const known = [CliError, ConfigError, HttpError, MigrationError].some((kind) => error instanceof kind);
    const message = known ? (error as Error).message.replace(/\s*\n\s*/g, " ") : errorText(error);
    process.stderr.write(`fluxbase: ${message}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  }
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Commander's message in the house style: `fluxbase: <message>` on one line. */
function commanderMessage({ code, message, command }: CommandFailure): string {
  const path = commandPath(command);
  const suggestion = /\(Did you mean (.+)\?\)/.exec(message)?.[1];
  const didYouMean = suggestion ? ` (did you mean ${suggestion}?)` : "";
  if (code === "commander.unknownCommand") {
    const name = command.args[0];
    if (!path) return `Unknown command "${name}"${didYouMean}.\n\n${command.helpInformation()}`;
    return `fluxbase: unknown command "${path} ${name}"${didYouMean}; see \`fluxbase ${path} --help\`\n`;
  }
  if (code === "commander.missingArgument" || code === "commander.excessArguments") {
    const shape = command.registeredArguments.map((arg) => `<${arg.name()}>`);
    return `fluxbase: expected \`${[path, ...shape].join(" ")}\`\n`;
  }
  const text = message
    .replace(/^error: /, "")
    .replace(/\n?\(Did you mean .+\?\)/, didYouMean)
    .replace(/\s*\n\s*/g, " ");
  return `fluxbase: ${text.charAt(0).toUpperCase()}${text.slice(1)}\n`;
}

function errorText(error: unknown): string {
  return (error as Error | undefined)?.stack ?? String(error);
}

await main(process.argv.slice(2));
