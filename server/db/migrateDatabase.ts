/**
 * `fluxbase migrate` / `fluxbase db migrate`: brings the database up to date without serving, the
 * product's migrations first, then the app's. Starts the embedded Postgres when no URL is set (or
 * shares the one a running server started).
 */
import type { FluxbaseConfig } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { migrateApp } from "./appMigrations.ts";
import { createSql } from "./createSql.ts";
import { startEmbeddedPostgres } from "./embeddedPostgres.ts";
import { migrate } from "./migrate.ts";
import { waitForDatabase } from "./waitForDatabase.ts";

export interface MigrationReport {
  product: string[];
  app: string[];
}

export async function migrateDatabase(config: FluxbaseConfig, logger: Logger): Promise<MigrationReport> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, logger);
  if (config.databaseUrl) await waitForDatabase(config.databaseUrl, { waitMs: config.databaseWait, logger });
  const sql = createSql(config.databaseUrl || embedded!.url, { max: 2 });
  try {
    const product = await migrate(sql);
    const app = await migrateApp(sql, config.appMigrationsDir);
    return { product, app };
  } finally {
    await sql.end({ timeout: 5 });
    await embedded?.stop();
  }
}
