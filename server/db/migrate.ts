/**
 * Applies migrations/NNNN_name.sql in order, each in its own transaction, under an advisory lock so
 * that servers starting together take turns. Applied files are recorded with a checksum; an applied
 * file that changed afterwards stops start-up, because migrations are append-only. The app's own
 * migrations (./db/migrations, see appMigrations.ts) go through the same steps with their own ledger.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MigrationError } from "../errors.ts";
import type { Sql } from "./createSql.ts";

export const defaultMigrationsDir = fileURLToPath(new URL("../../migrations/", import.meta.url));

/** Which files count as migrations, where they are recorded, and how an error names a file. */
export interface MigrationLedger {
  /** A table in the fluxbase schema. */
  table: string;
  /** The advisory lock that makes concurrent runs take turns. */
  lockKey: number;
  pattern: RegExp;
  describe(fileName: string): string;
}

export const productLedger: MigrationLedger = {
  table: "migrations",
  lockKey: 7_242_001, // arbitrary, constant: "fluxbase migrations"
  pattern: /^\d{4}_[a-z0-9_]+\.sql$/,
  describe: (fileName) => `Migration ${fileName}`,
};

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = defaultMigrationsDir, pattern = productLedger.pattern): MigrationFile[] {
  return readdirSync(dir)
    .filter((file) => pattern.test(file))
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/** Returns the names of the migrations this call applied. */
export async function migrate(
  sql: Sql,
  dir = defaultMigrationsDir,
  ledger = productLedger,
): Promise<string[]> {
  const files = readMigrations(dir, ledger.pattern);
  const table = `fluxbase.${ledger.table}`;
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${ledger.lockKey})`;
    try {
      await conn.unsafe(`
        CREATE SCHEMA IF NOT EXISTS fluxbase;
        CREATE TABLE IF NOT EXISTS ${table} (
          name text PRIMARY KEY,
          checksum text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        );
        ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
        REVOKE ALL ON SCHEMA fluxbase FROM PUBLIC;`);
      const rows = await conn<{ name: string; checksum: string }[]>`select name, checksum from ${sql(table)}`;
      const applied = new Map(rows.map((row) => [row.name, row.checksum]));
      const done: string[] = [];
      for (const file of files) {
        const known = applied.get(file.name);
        if (known !== undefined) {
          if (known !== file.checksum) {
            throw new MigrationError(
              `${ledger.describe(file.name)} was changed after it was applied; add a new migration instead`,
            );
          }
          continue;
        }
        await conn.unsafe("BEGIN");
        try {
          await conn.unsafe(file.sql);
          await conn`insert into ${sql(table)} (name, checksum) values (${file.name}, ${file.checksum})`;
          await conn.unsafe("COMMIT");
        } catch (error) {
          await conn.unsafe("ROLLBACK");
          throw new MigrationError(`${ledger.describe(file.name)} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
        done.push(file.name);
      }
      return done;
    } finally {
      await conn`select pg_advisory_unlock(${ledger.lockKey})`;
    }
  } finally {
    conn.release();
  }
}
