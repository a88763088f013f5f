/**
 * The schema the migrations build is checked in (migrations/schema.snapshot.txt). A migration that
 * changes it must update the snapshot in the same commit:
 *   UPDATE_SCHEMA_SNAPSHOT=1 npx vitest run test/core/schemaSnapshot.test.ts
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { describeSchema } from "../support/describeSchema.ts";

const snapshotFile = fileURLToPath(new URL("../../migrations/schema.snapshot.txt", import.meta.url));
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

it("a freshly migrated database matches the checked-in schema snapshot", async () => {
  const actual = await describeSchema(db.sql);
  if (process.env.UPDATE_SCHEMA_SNAPSHOT === "1") writeFileSync(snapshotFile, actual);
  const expected = readFileSync(snapshotFile, "utf8");
  expect(actual, "the schema drifted from migrations/schema.snapshot.txt; see this file's header").toBe(
    expected,
  );
});
