/** `fluxbase migrate`: apply pending migrations, the product's and the app's (see `fluxbase db migrate`). */
import path from "node:path";
import { Command } from "commander";
import { act } from "./commandKit.ts";

export function migrateCommand(): Command {
  return new Command("migrate")
    .description("Apply the product's and the app's migrations, then exit")
    .action(act(() => runMigrations()));
}

/** Starts the embedded Postgres when no URL is set, or shares the one a running server started. */
export async function runMigrations(): Promise<number> {
  const [{ resolveConfig }, { migrateDatabase }, { createLogger }] = await Promise.all([
    import("../server/config/resolveConfig.ts"),
    import("../server/db/migrateDatabase.ts"),
    import("../server/log.ts"),
  ]);
  const config = resolveConfig();
  const { product, app } = await migrateDatabase(config, createLogger(config.logLevel));
  const appDir = path.relative(process.cwd(), config.appMigrationsDir) || ".";
  const applied = [...product, ...app.map((name) => path.join(appDir, name))];
  process.stdout.write(applied.length ? `Applied: ${applied.join(", ")}\n` : "Database is up to date.\n");
  return 0;
}
