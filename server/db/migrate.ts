/**
 * Applies migrations/NNNN_name.sql in order, each in its own transaction, under an advisory lock so
 * that servers starting together take turns. Applied files are recorded with a checksum; an applied
 * file that changed afterwards stops start-up, because migrations are append-only.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Sql } from "./createSql.ts";

export const defaultMigrationsDir = fileURLToPath(new URL("../../migrations/", import.meta.url));
const lockKey = 7_242_001; // arbitrary, constant: "fluxbase migrations"

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = defaultMigrationsDir): MigrationFile[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/** Returns the names of the migrations this call applied. */
export async function migrate(sql: Sql, dir = defaultMigrationsDir): Promise<string[]> {
  const files = readMigrations(dir);
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${lockKey})`;
    try {
      await conn.unsafe(`
        CREATE SCHEMA IF NOT EXISTS fluxbase;
        CREATE TABLE IF NOT EXISTS fluxbase.migrations (
          name text PRIMARY KEY,
          checksum text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        );
        ALTER TABLE fluxbase.migrations ENABLE ROW LEVEL SECURITY;
        ALTER TABLE fluxbase.migrations FORCE ROW LEVEL SECURITY;
        REVOKE ALL ON SCHEMA fluxbase FROM PUBLIC;`);
      const rows = await conn<
        { name: string; checksum: string }[]
      >`select name, checksum from fluxbase.migrations`;
      const applied = new Map(rows.map((row) => [row.name, row.checksum]));
      const done: string[] = [];
      for (const file of files) {
        const known = applied.get(file.name);
        if (known !== undefined) {
          if (known !== file.checksum) {
            throw new Error(
              `Migration ${file.name} was changed after it was applied; add a new migration instead`,
            );
          }
          continue;
        }
        await conn.unsafe("BEGIN");
        try {
          await conn.unsafe(file.sql);
          await conn`insert into fluxbase.migrations (name, checksum) values (${file.name}, ${file.checksum})`;
          await conn.unsafe("COMMIT");
        } catch (error) {
          await conn.unsafe("ROLLBACK");
          throw new Error(`Migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
        }
        done.push(file.name);
      }
      return done;
    } finally {
      await conn`select pg_advisory_unlock(${lockKey})`;
    }
  } finally {
    conn.release();
  }
}
