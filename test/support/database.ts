/** A fresh, migrated database for one test file, cloned from the suite's template. */
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { createSql, type Sql } from "../../server/db/createSql.ts";
import { templateDatabase, withDatabase } from "./globalSetup.ts";

export interface TestDatabase {
  url: string;
  name: string;
  /** A superuser connection for arranging and asserting; RLS does not apply to it. */
  sql: Sql;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("pgAdminUrl");
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = createSql(adminUrl, { max: 1 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database ${name} template ${templateDatabase}`);
        break;
      } catch (error) {
        // Two files cloning the template at the same instant may collide; the clone is cheap to retry.
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const sql = createSql(url, { max: 4 });
  return {
    url,
    name,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const dropper = createSql(adminUrl, { max: 1 });
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}
