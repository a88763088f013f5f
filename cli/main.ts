/** The `fluxbase` command: maps flags onto the server's options and prints what a person needs. */
import { ConfigError, HttpError } from "../server/errors.ts";
import { functionsCommand } from "./functionsCommand.ts";
import { jobsCommand } from "./jobsCommand.ts";
import { keysCommand, tokenCommand } from "./keysCommands.ts";
import { migrateCommand } from "./migrateCommand.ts";
import { settingsCommand } from "./secretsCommand.ts";
import { startCommand } from "./startCommand.ts";
import { workersCommand } from "./workersCommand.ts";

const usage = `Usage: fluxbase <command> [options]

Commands:
  start [--role all|api|worker] [--port N] [--host H]   Start the server (API + workers by default)
  worker                                                Start workers only (no HTTP)
  migrate                                               Apply database migrations and exit
  keys                                                  Print the anon and service keys
  token --sub <uuid> [--email E] [--role R] [--expires 1h]   Mint a user token for development
  settings secrets set|get|list|delete ...              Manage job secrets on a running server
  jobs list|get|logs|submit|cancel|retry|terminate|resubmit|stats ...
                                                        List, submit and manage jobs on a running server
  workers                                               List the workers of a running server
  functions list|get|delete|sync|deploy ...             Manage the job functions of a running server

jobs, workers, functions and settings secrets list their options with --help.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      return startCommand(rest);
    case "worker":
      return startCommand(["--role", "worker", ...rest]);
    case "migrate":
      return migrateCommand();
    case "keys":
      return keysCommand();
    case "token":
      return tokenCommand(rest);
    case "settings":
      return settingsCommand(rest);
    case "jobs":
      return jobsCommand(rest);
    case "workers":
      return workersCommand(rest);
    case "functions":
      return functionsCommand(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(usage);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${usage}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (error) => {
    // Known errors are one line for a person; anything else keeps its stack for a bug report.
    const known =
      error instanceof ConfigError ||
      error instanceof HttpError ||
      error?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION";
    const message = known ? error.message : (error?.stack ?? String(error));
    process.stderr.write(`fluxbase: ${message}\n`);
    process.exitCode = 1;
  },
);
