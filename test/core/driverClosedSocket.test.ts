/**
 * The driver must settle, not crash, when a query is written to a connection whose backend has
 * died (postgres.js 3.4 wrote to a null socket from a timer: an uncatchable TypeError that took
 * the whole process down, or a query that never settled). We carry the driver's fix as a patch.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSql } from "../../server/db/createSql.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

it("a query on a reserved connection whose backend was terminated rejects instead of crashing", async () => {
  const sql = createSql(db.url, { max: 2 });
  const crashes: unknown[] = [];
  const onUncaught = (error: unknown) => crashes.push(error);
  process.on("uncaughtException", onUncaught);
  try {
    const conn = await sql.reserve();
    const [{ pid }] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await db.sql`select pg_terminate_backend(${pid})`;
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 3; i++) {
      const outcome = await Promise.race([
        conn`select 1`.then(
          () => "resolved",
          (error: { code?: string }) => error.code ?? "rejected",
        ),
        new Promise((resolve) => setTimeout(() => resolve("hung"), 5000)),
      ]);
      expect(outcome).toBe("CONNECTION_CLOSED");
    }
    conn.release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(crashes).toEqual([]);
    expect((await sql`select 1 as one`)[0]).toEqual({ one: 1 });
  } finally {
    process.off("uncaughtException", onUncaught);
    await sql.end({ timeout: 5 });
  }
});
