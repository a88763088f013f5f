/** The embedded Postgres is owned by the process that started it; others on the same data dir share it. */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSql } from "../../server/db/createSql.ts";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../../server/db/embeddedPostgres.ts";
import { migrate } from "../../server/db/migrate.ts";
import { createLogger } from "../../server/log.ts";

const bin = fileURLToPath(new URL("../../cli/bin.mjs", import.meta.url));
let dataDir: string;
let db: EmbeddedDatabase;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-embedded-"));
  chmodSync(dataDir, 0o755);
  db = await startEmbeddedPostgres(dataDir, createLogger("error"));
  const sql = createSql(db.url, { max: 1 });
  await migrate(sql);
  await sql.end();
}, 60_000);
afterAll(async () => {
  await db.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("embedded Postgres", () => {
  it("records its owner and lets a second process (fluxbase migrate) use it without stopping it", async () => {
    expect(existsSync(path.join(dataDir, "postgres.owner"))).toBe(true);
    const result = spawnSync(process.execPath, [bin, "migrate"], {
      env: { PATH: process.env.PATH ?? "", FLUXBASE_DATA_DIR: dataDir },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.stderr).toMatch(/using the embedded Postgres started by another process/);
    expect(result.stdout).toMatch(/up to date/);
    expect(result.status).toBe(0);
    const sql = createSql(db.url, { max: 1 });
    const [row] = await sql<{ ok: number }[]>`select 1 as ok`;
    await sql.end();
    expect(row!.ok).toBe(1);
  });

  it("a second start in the same process is refused by Postgres' own lock, not by killing the first", async () => {
    const second = await startEmbeddedPostgres(dataDir, createLogger("error")).then(
      (started) => started,
      (error: Error) => error,
    );
    expect(second).toBeInstanceOf(Error);
    const sql = createSql(db.url, { max: 1 });
    expect((await sql`select 1 as ok`)[0]!.ok).toBe(1);
    await sql.end();
  });
});
