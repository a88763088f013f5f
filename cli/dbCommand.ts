/** `fluxbase db url|migrate`: the database a person's own tools (psql, an ORM) and migrations use. */
import { Command } from "commander";
import { CliError } from "./cliErrors.ts";
import { act, commandGroup } from "./commandKit.ts";
import { runMigrations } from "./migrateCommand.ts";
import { projectConfig } from "./serverConnection.ts";

export function dbCommand(): Command {
  const db = commandGroup("db", "Print the database URL; apply the app's migrations");
  db.addCommand(
    new Command("url")
      .description("Print the database URL (FLUXBASE_DATABASE_URL, or the running embedded Postgres)")
      .action(act(printUrl)),
  );
  db.addCommand(
    new Command("migrate")
      .description("Apply the app's SQL migrations in ./db/migrations (after the product's), each once")
      .addHelpText(
        "after",
        "\nFiles run in name order (001_notes.sql, 002_...), each in its own transaction, and are recorded\n" +
          "with a checksum: an applied file must not change; add a new one instead. `npm start` applies\n" +
          "them too. The folder is FLUXBASE_DB_MIGRATIONS_DIR (database.migrations_dir in fluxbase.yaml).",
      )
      .action(act(runMigrations)),
  );
  return db;
}

async function printUrl(): Promise<number> {
  const config = await projectConfig();
  if (config.databaseUrl) {
    process.stdout.write(`${config.databaseUrl}\n`);
    return 0;
  }
  const { runningEmbeddedPostgresUrl } = await import("../server/db/embeddedPostgres.ts");
  const url = runningEmbeddedPostgresUrl(config.dataDir);
  if (!url) {
    throw new CliError(
      `the embedded Postgres of ${config.dataDir} is not running: start the server (npm start), ` +
        "or set FLUXBASE_DATABASE_URL",
    );
  }
  process.stdout.write(`${url}\n`);
  return 0;
}
