/** Schema changes reach the REST API without a restart: the DDL event trigger, misses, and the TTL fallback. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/log.ts";
import { createCatalogCache } from "../../server/rest/catalogCache.ts";
import { startTestServer, type TestServer, type TestUser } from "../support/server.ts";
import { restClient } from "./fixtures.ts";

let server: TestServer;
let alice: TestUser;
const logger = createLogger("error");

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.user();
});
afterAll(() => server.stop());

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("through the API", () => {
  it("serves a table, a new column and a new function created after start, and forgets a dropped table", async () => {
    const db = restClient(server, alice.token);
    expect((await db.from("late").select("*")).error?.code).toBe("PGRST205");
    await server.db.sql.unsafe(`
      create table app.late (id int primary key, name text);
      grant select, insert on app.late to authenticated;
      insert into app.late values (1, 'first');`);
    const first = await db.from("late").select("id, name");
    expect([first.error, first.data]).toEqual([null, [{ id: 1, name: "first" }]]);

    await server.db.sql.unsafe(`alter table app.late add column extra text default 'more'`);
    const added = await db.from("late").select("extra").eq("extra", "more");
    expect([added.error, added.data]).toEqual([null, [{ extra: "more" }]]);

    await server.db.sql.unsafe(
      `create function app.late_count() returns bigint language sql as $$ select count(*) from app.late $$`,
    );
    expect((await db.rpc("late_count")).data).toBe(1);

    await server.db.sql.unsafe(`drop table app.late cascade`);
    const gone = await eventually(async () => {
      const res = await db.from("late").select("id");
      return res.error?.code === "PGRST205" ? res : undefined;
    });
    expect(gone.status).toBe(404);
  });

  it("does not reuse statements prepared before a column changed type", async () => {
    const db = restClient(server, alice.token);
    await server.db.sql.unsafe(`
      create table app.morph (id int primary key, v int);
      grant select on app.morph to authenticated;
      insert into app.morph values (1, 10);`);
    for (let i = 0; i < 3; i++)
      expect((await db.from("morph").select("v").eq("v", 10)).data).toEqual([{ v: 10 }]);
    await server.db.sql.unsafe(`alter table app.morph alter column v type text using v::text || 'x'`);
    const after = await eventually(async () => {
      const res = await db.from("morph").select("v").eq("v", "10x");
      return res.error ? undefined : res;
    });
    expect(after.data).toEqual([{ v: "10x" }]);
  });
});

describe("the cache", () => {
  it("is invalidated by the ddl_command_end trigger's NOTIFY, without any miss", async () => {
    const cache = createCatalogCache({ sql: server.db.sql, schemas: ["app"], logger, fallbackTtl: 60_000 });
    expect((await cache.get()).eventTrigger).toBe(true);
    await eventually(async () => (cache.listening() ? true : undefined));
    const before = await cache.get(); // after the reload that every (re)listen triggers
    expect(await cache.get()).toBe(before);
    await server.db.sql.unsafe(`create table app.announced (id int)`);
    const after = await eventually(async () => {
      const catalog = await cache.get();
      return catalog.relations.has("app\u0000announced") ? catalog : undefined;
    });
    expect(after).not.toBe(before);
  });

  it("with the trigger, reloads after a miss only when DDL ran since the catalog was read", async () => {
    const cache = createCatalogCache({ sql: server.db.sql, schemas: ["app"], logger, missInterval: 60_000 });
    const catalog = await cache.get();
    expect(catalog.eventTrigger).toBe(true);
    // Names that do not exist: no reload, however many misses.
    expect(await cache.refreshAfterMiss(catalog)).toBeUndefined();
    expect(await cache.refreshAfterMiss(catalog)).toBeUndefined();
    await server.db.sql.unsafe(`create table app.just_now (id int)`);
    const fresher = await cache.refreshAfterMiss(catalog);
    expect(fresher?.relations.has("app\u0000just_now")).toBe(true);
    expect(await cache.refreshAfterMiss(fresher!)).toBeUndefined();
  });

  it("without the trigger, reloads after a miss at most once per interval", async () => {
    await server.db.sql.unsafe(`alter event trigger fluxbase_rest_schema_changed disable`);
    try {
      const cache = createCatalogCache({
        sql: server.db.sql,
        schemas: ["app"],
        logger,
        missInterval: 60_000,
      });
      const catalog = await cache.get();
      expect(catalog.eventTrigger).toBe(false);
      const fresher = await cache.refreshAfterMiss(catalog);
      expect(fresher).toBeDefined();
      expect(await cache.refreshAfterMiss(fresher!)).toBeUndefined();
    } finally {
      await server.db.sql.unsafe(`alter event trigger fluxbase_rest_schema_changed enable`);
    }
  });

  it("falls back to a time-to-live when the event trigger is missing", async () => {
    await server.db.sql.unsafe(`alter event trigger fluxbase_rest_schema_changed disable`);
    try {
      const cache = createCatalogCache({ sql: server.db.sql, schemas: ["app"], logger, fallbackTtl: 200 });
      const before = await cache.get();
      expect(before.eventTrigger).toBe(false);
      await server.db.sql.unsafe(`create table app.unannounced (id int)`);
      const after = await eventually(async () => {
        const catalog = await cache.get();
        return catalog.relations.has("app\u0000unannounced") ? catalog : undefined;
      });
      expect(after).not.toBe(before);
    } finally {
      await server.db.sql.unsafe(`alter event trigger fluxbase_rest_schema_changed enable`);
    }
  });
});
