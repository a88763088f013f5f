/** Pooled connections stay clean, migrations are safe to repeat and to race, and restarts keep data. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFluxbase } from "../../server/app.ts";
import { createSql } from "../../server/db/createSql.ts";
import { migrate, readMigrations } from "../../server/db/migrate.ts";
import { withClaims } from "../../server/db/withClaims.ts";
import { createLogger } from "../../server/log.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { testJwtSecret } from "../support/server.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe("connection hygiene", () => {
  it("a transaction that failed midway leaves no role or claims on the pooled connection", async () => {
    const single = createSql(db.url, { max: 1 });
    try {
      const [before] = await single<{ user: string }[]>`select current_user as user`;
      const identity = {
        dbRole: "authenticated" as const,
        claims: { role: "authenticated", sub: "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b" },
      };
      await expect(
        withClaims(single, identity, async (tx) => {
          const [inside] = await tx<
            { user: string; uid: string }[]
          >`select current_user as user, auth.uid()::text as uid`;
          expect(inside).toEqual({ user: "authenticated", uid: identity.claims.sub });
          await tx`select 1/0`;
        }),
      ).rejects.toMatchObject({ code: "22012" });
      const [after] = await single<
        { user: string; claims: string | null; uid: string | null; role: string | null }[]
      >`
        select current_user as user, current_setting('request.jwt.claims', true) as claims,
               auth.uid()::text as uid, auth.role() as role`;
      expect(after!.user).toBe(before!.user);
      expect(after!.claims ?? "").toBe("");
      expect(after!.uid).toBeNull();
      expect(after!.role).toBeNull();
    } finally {
      await single.end();
    }
  });

  it("refuses a database role outside the allow-list", async () => {
    await expect(
      withClaims(db.sql, { dbRole: "postgres" as never, claims: {} }, async () => 1),
    ).rejects.toThrow(/refusing/);
  });
});

describe("migrations", () => {
  it("a second run applies nothing", async () => {
    expect(await migrate(db.sql)).toEqual([]);
  });

  it("concurrent runs on a fresh database apply each migration exactly once", async () => {
    const fresh = await createTestDatabase();
    try {
      await fresh.sql.unsafe(
        "drop schema jobs cascade; drop schema auth cascade; drop schema toggles cascade; drop schema storage cascade; drop schema fluxbase cascade;",
      );
      const pools = [
        createSql(fresh.url, { max: 2 }),
        createSql(fresh.url, { max: 2 }),
        createSql(fresh.url, { max: 2 }),
      ];
      const results = await Promise.all(pools.map((pool) => migrate(pool)));
      await Promise.all(pools.map((pool) => pool.end()));
      const applied = results.flat().sort();
      expect(applied).toEqual(
        readMigrations()
          .map((m) => m.name)
          .sort(),
      );
      const [row] = await fresh.sql<{ n: number }[]>`select count(*)::int as n from fluxbase.migrations`;
      expect(row!.n).toBe(readMigrations().length);
    } finally {
      await fresh.drop();
    }
  });

  it("refuses to start when an applied migration was edited", async () => {
    await db.sql`update fluxbase.migrations set checksum = 'edited' where name = '0001_roles_and_auth.sql'`;
    await expect(migrate(db.sql)).rejects.toThrow(/changed after it was applied/);
    await db.sql`update fluxbase.migrations set checksum = ${readMigrations()[0]!.checksum} where name = '0001_roles_and_auth.sql'`;
  });
});

describe("restart", () => {
  it("a restarted server keeps its jobs and its keys", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "fluxbase-restart-"));
    const make = () =>
      createFluxbase({
        env: {},
        options: {
          databaseUrl: db.url,
          port: 0,
          dataDir,
          jwtSecret: testJwtSecret,
          jobs: { embeddedWorkerCount: 0, dir: dataDir },
        },
        logger: createLogger("error"),
      });
    try {
      const first = make();
      const started = await first.start();
      await db.sql`insert into jobs.functions (name, source, code) values ('keep', 'x', 'x') on conflict do nothing`;
      const res = await fetch(`${started.url}/api/v1/jobs/submit`, {
        method: "POST",
        headers: { authorization: `Bearer ${started.serviceKey}`, "content-type": "application/json" },
        body: JSON.stringify({ job_name: "keep" }),
      });
      const job = await res.json();
      await first.stop();
      await first.stop(); // idempotent
      const second = make();
      const again = await second.start();
      expect(again.serviceKey).toBe(started.serviceKey);
      const read = await fetch(`${again.url}/api/v1/jobs/${job.id}`, {
        headers: { apikey: again.serviceKey },
      });
      expect(read.status).toBe(200);
      expect((await read.json()).id).toBe(job.id);
      await second.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
