/**
 * The CLI as a user runs it from their own app folder (a temp dir, not this repository): client
 * commands find the server's keys upward and create nothing; `db url` and `db migrate` apply the
 * app's ./db/migrations once each, recorded, and refuse a bad or changed file by name.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { runCli } from "../support/runCli.ts";
import { startTestServer, type TestServer, testJwtSecret } from "../support/server.ts";

let server: TestServer;
let db: TestDatabase;
let home: string;
let app: string;

beforeAll(async () => {
  [server, db] = await Promise.all([startTestServer(), createTestDatabase()]);
  home = mkdtempSync(path.join(tmpdir(), "fluxbase-user-"));
  app = path.join(home, "app");
  // What `npm start` leaves in an app folder: its data dir with the generated JWT secret.
  mkdirSync(path.join(app, ".fluxbase"), { recursive: true });
  writeFileSync(path.join(app, ".fluxbase", "jwt_secret"), `${testJwtSecret}\n`);
  mkdirSync(path.join(app, "src", "deep"), { recursive: true });
  mkdirSync(path.join(home, "elsewhere"));
});
afterAll(async () => {
  await Promise.all([server?.stop(), db?.drop()]);
  rmSync(home, { recursive: true, force: true });
});

/** No FLUXBASE_* of the test run: only what each case sets. */
const fluxbase = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  runCli({ url: "", dataDir: "" }, args, { cwd, env: { FLUXBASE_AUTH_JWT_SECRET: "", ...env } });

describe("client commands from the user's folders", { timeout: 60_000 }, () => {
  it("find the server's keys in .fluxbase of the nearest folder upward", async () => {
    const run = await fluxbase(path.join(app, "src", "deep"), ["jobs", "list", "-o", "json"], {
      FLUXBASE_URL: server.url,
    });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(run.stdout)).toMatchObject({ jobs: [], total: 0 });
  });

  it("say in one line what to set when there is no project, and create nothing", async () => {
    const elsewhere = path.join(home, "elsewhere");
    const [list, keys] = await Promise.all([
      fluxbase(elsewhere, ["jobs", "list"], { FLUXBASE_URL: server.url }),
      fluxbase(elsewhere, ["keys"]),
    ]);
    for (const run of [list, keys]) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(
        /^fluxbase: no Fluxbase project in .*set FLUXBASE_URL and FLUXBASE_SERVICE_KEY.*\n$/,
      );
    }
    expect(readdirSync(elsewhere)).toEqual([]);
    // An empty data dir named explicitly is not filled either.
    const empty = path.join(home, "empty-data");
    const noSecret = await fluxbase(elsewhere, ["workers"], {
      FLUXBASE_DATA_DIR: empty,
      FLUXBASE_URL: server.url,
    });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toMatch(/^fluxbase: no JWT secret in .* yet: start the server once/);
    expect(existsSync(empty)).toBe(false);
  });

  it("use FLUXBASE_URL and FLUXBASE_SERVICE_KEY alone, anywhere", async () => {
    const keys = await fluxbase(app, ["keys", "--json"]);
    const { service_key } = JSON.parse(keys.stdout);
    const run = await fluxbase(path.join(home, "elsewhere"), ["workers", "--json"], {
      FLUXBASE_URL: server.url,
      FLUXBASE_SERVICE_KEY: service_key,
    });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(readdirSync(path.join(home, "elsewhere"))).toEqual([]);
  });
});

describe("fluxbase db url and db migrate", { timeout: 60_000 }, () => {
  const migrations = () => path.join(app, "db", "migrations");
  const db_ = (args: string[]) => fluxbase(app, ["db", ...args], { FLUXBASE_DATABASE_URL: db.url });

  it("db url prints the configured database URL", async () => {
    expect(await db_(["url"])).toMatchObject({ code: 0, stdout: `${db.url}\n` });
  });

  it("applies the app's migrations in order, each once, recorded with a checksum", async () => {
    mkdirSync(migrations(), { recursive: true });
    writeFileSync(
      path.join(migrations(), "001_notes.sql"),
      "create schema if not exists app;\ncreate table app.notes (id bigint generated always as identity primary key, body text not null);\n",
    );
    writeFileSync(
      path.join(migrations(), "002_note_tags.sql"),
      "alter table app.notes add column tags text[] not null default '{}';\n",
    );
    const first = await db_(["migrate"]);
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toBe("Applied: db/migrations/001_notes.sql, db/migrations/002_note_tags.sql\n");
    expect(await db_(["migrate"])).toMatchObject({ code: 0, stdout: "Database is up to date.\n" });
    const rows = await db.sql<{ name: string; checksum: string }[]>`
      select name, checksum from fluxbase.app_migrations order by name`;
    expect(rows.map((row) => row.name)).toEqual(["001_notes.sql", "002_note_tags.sql"]);
    for (const row of rows) expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    const [column] = await db.sql`
      select data_type from information_schema.columns where table_schema = 'app' and table_name = 'notes' and column_name = 'tags'`;
    expect(column).toMatchObject({ data_type: "ARRAY" });
    // The product's own list is apart: no app file in it.
    const [product] =
      await db.sql`select count(*)::int as n from fluxbase.migrations where name like '00%\\_note%'`;
    expect(product!.n).toBe(0);
  });

  it("a bad file stops with its name and leaves nothing of it behind", async () => {
    writeFileSync(
      path.join(migrations(), "003_bad.sql"),
      "create table app.half (id int);\ncreate tabel app.nope (id int);\n",
    );
    const bad = await db_(["migrate"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(
      /^fluxbase: Migration db\/migrations\/003_bad\.sql failed: syntax error at or near "tabel"\n$/,
    );
    const [half] = await db.sql`select to_regclass('app.half') as t`;
    expect(half!.t).toBeNull();
    const [recorded] =
      await db.sql`select count(*)::int as n from fluxbase.app_migrations where name = '003_bad.sql'`;
    expect(recorded!.n).toBe(0);
    rmSync(path.join(migrations(), "003_bad.sql"));
  });

  it("an applied file that changed is an error", async () => {
    writeFileSync(path.join(migrations(), "002_note_tags.sql"), "select 1;\n");
    const changed = await db_(["migrate"]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toBe(
      "fluxbase: Migration db/migrations/002_note_tags.sql was changed after it was applied; add a new migration instead\n",
    );
  });
});
