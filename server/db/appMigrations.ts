/**
 * The app's own SQL migrations (`./db/migrations/*.sql` by default): the tables that /rest/v1 and the
 * app's jobs use. Applied in name order after the product's, each once and in its own transaction,
 * recorded with a checksum in fluxbase.app_migrations (apart from the product's own ledger); an
 * applied file that changed afterwards is an error, as for the product's migrations.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Sql } from "./createSql.ts";
import { type MigrationLedger, migrate } from "./migrate.ts";

export function appLedger(dir: string): MigrationLedger {
  const shown = path.relative(process.cwd(), dir) || dir;
  return {
    table: "app_migrations",
    lockKey: 7_242_002, // arbitrary, constant: "app migrations"
    pattern: /^[^.].*\.sql$/,
    describe: (fileName) => `Migration ${path.join(shown, fileName)}`,
  };
}

/** Returns the names of the files this call applied; a missing folder means the app has none. */
export function migrateApp(sql: Sql, dir: string): Promise<string[]> {
  if (!existsSync(dir)) return Promise.resolve([]);
  return migrate(sql, dir, appLedger(dir));
}
