/** The command tree of `fluxbase`: every command, its options and its help. */
import { createRequire } from "node:module";
import { Command, Help } from "commander";
import { asGroup } from "./commandKit.ts";
import { dbCommand } from "./dbCommand.ts";
import { eventsCommand } from "./eventsCommand.ts";
import { functionsCommand } from "./functionsCommand.ts";
import { jobsCommand } from "./jobsCommand.ts";
import { keysCommand, tokenCommand } from "./keysCommands.ts";
import { migrateCommand } from "./migrateCommand.ts";
import { queuesCommand } from "./queuesCommand.ts";
import { schedulesCommand } from "./schedulesCommand.ts";
import { settingsCommand } from "./secretsCommand.ts";
import { startCommand, workerCommand } from "./startCommand.ts";
import { storageCommand } from "./storageCommand.ts";
import { togglesCommand } from "./togglesCommand.ts";
import { webhooksCommand } from "./webhooksCommand.ts";
import { workersCommand } from "./workersCommand.ts";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** Longer terms are followed by their description (or by a line break), so the column stays narrow. */
const TERM_WIDTH = 18;

export function buildProgram(): Command {
  const program = new Command("fluxbase")
    .usage("<command> [options]")
    .description("Fluxbase Jobs: Postgres-backed background jobs, run in a Deno sandbox")
    .version(version, "-V, --version", "Print the version")
    .showSuggestionAfterError(true)
    // Options after a command are that command's (`keys list -o json` is list's -o, not keys').
    .enablePositionalOptions()
    .addHelpText(
      "after",
      "\nEvery command takes --help. Exit codes: 0 done, 1 failed, 124 --timeout reached, 130 interrupted.\n",
    )
    .configureHelp({
      subcommandTerm: (command) => {
        const subcommands = command.commands.filter((sub) => sub.name() !== "help");
        if (subcommands.length > 0) return `${command.name()} ${subcommands.map((c) => c.name()).join("|")}`;
        const args = command.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`));
        return [command.name(), ...args].join(" ");
      },
      padWidth: () => TERM_WIDTH,
      formatItem(term, width, description, helper) {
        const format = (text: string) =>
          Help.prototype.formatItem.call(this, text, width, description, helper);
        if (term.length <= width) return format(term);
        const oneLine = `  ${term}  ${description}`;
        return oneLine.length <= (helper.helpWidth ?? 80) ? oneLine : `  ${term}\n${format("")}`;
      },
    });
  asGroup(program);
  for (const command of [
    startCommand(),
    workerCommand(),
    migrateCommand(),
    dbCommand(),
    keysCommand(),
    tokenCommand(),
    settingsCommand(),
    jobsCommand(),
    workersCommand(),
    queuesCommand(),
    functionsCommand(),
    schedulesCommand(),
    eventsCommand(),
    webhooksCommand(),
    togglesCommand(),
    storageCommand(),
  ]) {
    program.addCommand(command);
  }
  for (const command of allCommands(program)) command.helpOption("-h, --help", "Print this help");
  return program;
}

export function* allCommands(command: Command): Generator<Command> {
  yield command;
  for (const sub of command.commands) yield* allCommands(sub);
}
