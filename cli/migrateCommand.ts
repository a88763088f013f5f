/** `fluxbase migrate`: apply pending migrations (starting the embedded Postgres if no URL is set). */
import { resolveConfig } from "../server/config/resolveConfig.ts";
import { createSql } from "../server/db/createSql.ts";
import { startEmbeddedPostgres } from "../server/db/embeddedPostgres.ts";
import { migrate } from "../server/db/migrate.ts";
import { waitForDatabase } from "../server/db/waitForDatabase.ts";
import { createLogger } from "../server/log.ts";

export async function migrateCommand(): Promise<number> {
  const config = resolveConfig();
  const logger = createLogger(config.logLevel);
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, logger);
  if (config.databaseUrl) await waitForDatabase(config.databaseUrl, { waitMs: config.databaseWait, logger });
  const sql = createSql(config.databaseUrl || embedded!.url, { max: 2 });
  try {
    const applied = await migrate(sql);
    process.stdout.write(applied.length ? `Applied: ${applied.join(", ")}\n` : "Database is up to date.\n");
    return 0;
  } finally {
    await sql.end({ timeout: 5 });
    await embedded?.stop();
  }
}
